/**
 * `npm run lint` step: packages talk only through their public entry (STYLE habit 3).
 * - a service imports @boxoffice/shared and nothing from another service or the gateway;
 * - the gateway imports no service; shared imports no service and not the gateway;
 * - nobody deep-imports "@boxoffice/<package>/…";
 * - scripts/, tests/ and migrations/ may import a package only through its public entry
 *   (`@boxoffice/<package>`, or the package's `src` / `src/index.ts` by path), never a file
 *   inside its `src`; they may import each other (tests use tests/support and scripts/lib).
 * Prints each violation with file and line; exits 1 if there is any.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..');
const PACKAGES: Record<string, string> = {
  shared: 'shared',
  gateway: 'gateway',
  users: 'services/users',
  events: 'services/events',
  tickets: 'services/tickets',
};
/** Code outside every package: it uses the packages as a client would. */
const CLIENT_FOLDERS = ['scripts', 'tests', 'migrations'];
const IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.ts$/.test(name)) out.push(path);
  }
  return out;
}

function repoPath(absolutePath: string): string {
  return relative(ROOT, absolutePath).split(sep).join('/');
}

/** The package a file path points into, if any. */
function packageOf(absolutePath: string): string | undefined {
  const rel = repoPath(absolutePath);
  return Object.keys(PACKAGES).find((name) => rel === PACKAGES[name] || rel.startsWith(`${PACKAGES[name]}/`));
}

/** True when a path names a package's public entry: `<package>/src` or `<package>/src/index(.ts)`. */
function isPublicEntry(absolutePath: string, pkg: string): boolean {
  const rel = repoPath(absolutePath)
    .replace(/\.ts$/, '')
    .replace(/\/index$/, '');
  // The topology page's build script is the gateway's second entry: npm start and the browser
  // test build the page through it (it needs Vite, which the gateway's runtime must not load).
  if (pkg === 'gateway' && rel === 'gateway/admin-ui/build-admin-ui') return true;
  return rel === `${PACKAGES[pkg]}/src` || rel === PACKAGES[pkg];
}

function packageViolation(owner: string, specifier: string, file: string): string | undefined {
  const named = /^@boxoffice\/([a-z]+)/.exec(specifier)?.[1];
  const target = named ?? (specifier.startsWith('.') ? packageOf(resolve(file, '..', specifier)) : undefined);
  if (!target || target === owner || target === 'shared') return undefined;
  if (owner === 'shared') return `shared must not import ${target}`;
  return `${owner} must not import ${target}`;
}

function clientViolation(specifier: string, file: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(file, '..', specifier);
  const pkg = packageOf(target);
  if (!pkg || isPublicEntry(target, pkg)) return undefined;
  return `deep import into ${pkg}; import its public entry ("${PACKAGES[pkg]}/src" or "@boxoffice/${pkg}")`;
}

function violation(owner: string | undefined, specifier: string, file: string): string | undefined {
  const deep = /^@boxoffice\/([a-z]+)\/./.exec(specifier);
  if (deep) return `deep import into @boxoffice/${deep[1]}; import "@boxoffice/${deep[1]}"`;
  return owner ? packageViolation(owner, specifier, file) : clientViolation(specifier, file);
}

const checked: [string | undefined, string][] = [
  ...Object.entries(PACKAGES).map(([owner, dir]): [string, string] => [owner, dir]),
  ...CLIENT_FOLDERS.map((dir): [undefined, string] => [undefined, dir]),
];
const problems: string[] = [];
for (const [owner, dir] of checked) {
  for (const file of sourceFiles(join(ROOT, dir))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const match of line.matchAll(IMPORT)) {
        const why = violation(owner, match[1]!, file);
        if (why) problems.push(`${relative(ROOT, file)}:${index + 1}: ${why} ("${match[1]}")`);
      }
    });
  }
}
if (problems.length > 0) {
  console.error(`package boundaries broken:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('package boundaries: ok');
