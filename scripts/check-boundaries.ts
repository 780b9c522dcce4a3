/**
 * `npm run lint` step: the package graph is one way, and packages talk only through their index.
 * - LAYERS below is the graph (docs/architecture.md draws it): a package may import only the
 *   packages listed for it, by name (`@boxoffice/<name>`), and must declare each one in its
 *   package.json; no service imports another service or the gateway, no library imports a
 *   service or the gateway, and nothing imports the tooling (`@boxoffice/devstack`, scripts/)
 *   but tests;
 * - nobody deep-imports "@boxoffice/<package>/…", and no package reaches into another by a
 *   relative path (a library's tests, and the tooling, may use the test helpers of a library
 *   they depend on);
 * - tests/ and migrations/ may import a package only through its public entry
 *   (`@boxoffice/<package>`, or the package's index by path), never a file inside it: tests use
 *   the tooling as `@boxoffice/devstack`, never `scripts/stack/…`.
 * Prints each violation with file and line; exits 1 if there is any.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..');

/**
 * Each package's folder and the packages it may import. Libraries first, lowest layer first.
 * `index`: its public entry, when not `<dir>/src/index.ts`; `entries`: further files a client may
 * import by path; `tooling`: all of it is test tooling, so it may use libraries' test helpers.
 */
const LAYERS: Record<
  string,
  { dir: string; uses: string[]; index?: string; entries?: string[]; tooling?: boolean }
> = {
  tracing: { dir: 'shared/tracing', uses: [] },
  platform: { dir: 'shared/platform', uses: [] },
  sharding: { dir: 'shared/sharding', uses: ['platform'] },
  bus: { dir: 'shared/bus', uses: ['tracing', 'platform', 'sharding'] },
  cache: { dir: 'shared/cache', uses: ['platform', 'sharding', 'bus'] },
  contracts: { dir: 'shared/contracts', uses: ['platform', 'bus'] },
  reshard: { dir: 'shared/reshard', uses: ['platform', 'sharding'] },
  runtime: {
    dir: 'shared/runtime',
    uses: ['tracing', 'platform', 'sharding', 'bus', 'cache', 'contracts', 'reshard'],
  },
  gateway: {
    dir: 'gateway',
    uses: ['tracing', 'platform', 'sharding', 'bus', 'contracts', 'runtime'],
    // The topology page's build script: npm start and the load tool build the page through it (it
    // needs Vite, which the gateway's runtime must not load).
    entries: ['admin-ui/build-admin-ui'],
  },
  users: {
    dir: 'services/users',
    uses: ['tracing', 'platform', 'sharding', 'bus', 'cache', 'contracts', 'runtime'],
  },
  events: {
    dir: 'services/events',
    uses: ['tracing', 'platform', 'sharding', 'bus', 'cache', 'contracts', 'runtime'],
  },
  tickets: {
    dir: 'services/tickets',
    uses: ['tracing', 'platform', 'sharding', 'bus', 'cache', 'contracts', 'runtime'],
  },
  devstack: {
    dir: 'scripts',
    uses: ['platform', 'sharding', 'bus', 'contracts', 'reshard', 'runtime', 'gateway'],
    index: 'scripts/index.ts',
    tooling: true,
  },
};
/** Code outside every package: it uses the packages as a client would. */
const CLIENT_FOLDERS = ['tests', 'migrations'];
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
  return Object.keys(LAYERS).find(
    (name) => rel === LAYERS[name]!.dir || rel.startsWith(`${LAYERS[name]!.dir}/`),
  );
}

/** A package's index as a path, without `.ts` and `/index`: `shared/bus/src`, `scripts`. */
function indexOf(pkg: string): string {
  return (LAYERS[pkg]!.index ?? `${LAYERS[pkg]!.dir}/src`).replace(/\.ts$/, '').replace(/\/index$/, '');
}

/** True when a path names one of a package's further `entries` (not its index). */
function isFurtherEntry(absolutePath: string, pkg: string): boolean {
  const rel = repoPath(absolutePath).replace(/\.ts$/, '');
  return (LAYERS[pkg]!.entries ?? []).some((entry) => rel === `${LAYERS[pkg]!.dir}/${entry}`);
}

/** True when a path names a package's public entry: its index, or one of its further `entries`. */
function isPublicEntry(absolutePath: string, pkg: string): boolean {
  const rel = repoPath(absolutePath)
    .replace(/\.ts$/, '')
    .replace(/\/index$/, '');
  return rel === indexOf(pkg) || rel === LAYERS[pkg]!.dir || isFurtherEntry(absolutePath, pkg);
}

function declaredDependencies(pkg: string): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, LAYERS[pkg]!.dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
}

function packageViolation(owner: string, specifier: string, file: string): string | undefined {
  const named = /^@boxoffice\/([a-z]+)$/.exec(specifier)?.[1];
  const fromTests = repoPath(file).startsWith(`${LAYERS[owner]!.dir}/test/`);
  if (named) {
    // A package's tests use it as a client would, through its index.
    if (named === owner && fromTests) return undefined;
    if (named === owner) return `${owner} imports itself by name; use a relative path`;
    if (!LAYERS[owner]!.uses.includes(named)) return `${owner} must not import ${named}`;
    if (!declaredDependencies(owner).includes(`@boxoffice/${named}`)) {
      return `${owner} imports ${named} without declaring it in ${LAYERS[owner]!.dir}/package.json`;
    }
    return undefined;
  }
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(file, '..', specifier);
  const pkg = packageOf(target);
  if (!pkg || pkg === owner) return undefined;
  const uses = LAYERS[owner]!.uses.includes(pkg);
  const intoTests = repoPath(target).startsWith(`${LAYERS[pkg]!.dir}/test/`);
  if ((fromTests || LAYERS[owner]!.tooling) && intoTests && uses) return undefined;
  if (uses && isFurtherEntry(target, pkg)) return undefined;
  return `${owner} reaches into ${pkg} by path; import "@boxoffice/${pkg}"`;
}

function clientViolation(specifier: string, file: string): string | undefined {
  const target = specifier.startsWith('.') ? resolve(file, '..', specifier) : undefined;
  const pkg = target ? packageOf(target) : /^@boxoffice\/([a-z]+)$/.exec(specifier)?.[1];
  if (pkg && LAYERS[pkg]!.tooling && !repoPath(file).startsWith('tests/')) {
    return `only tests use the tooling (@boxoffice/${pkg})`;
  }
  if (!target) return undefined;
  if (!pkg || isPublicEntry(target, pkg)) return undefined;
  return `deep import into ${pkg}; import its public entry ("@boxoffice/${pkg}" or "${indexOf(pkg)}")`;
}

function violation(owner: string | undefined, specifier: string, file: string): string | undefined {
  // Tracing's second entry: a process imports it first, so the SDK starts before what it instruments.
  if (specifier === '@boxoffice/tracing/register') return undefined;
  const deep = /^@boxoffice\/([a-z]+)\/./.exec(specifier);
  if (deep) return `deep import into @boxoffice/${deep[1]}; import "@boxoffice/${deep[1]}"`;
  if (/^@boxoffice\//.test(specifier) && !LAYERS[/^@boxoffice\/([a-z]+)/.exec(specifier)![1]!]) {
    return `no package ${specifier}`;
  }
  return owner ? packageViolation(owner, specifier, file) : clientViolation(specifier, file);
}

const problems: string[] = [];
for (const [owner, { dir }] of Object.entries(LAYERS)) {
  for (const dependency of declaredDependencies(owner).filter((name) => name.startsWith('@boxoffice/'))) {
    const name = dependency.slice('@boxoffice/'.length);
    if (!LAYERS[owner]!.uses.includes(name))
      problems.push(`${dir}/package.json: ${owner} must not depend on ${name}`);
  }
}
const checked: [string | undefined, string][] = [
  ...Object.entries(LAYERS).map(([owner, { dir }]): [string, string] => [owner, dir]),
  ...CLIENT_FOLDERS.map((dir): [undefined, string] => [undefined, dir]),
];
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
