/**
 * `npm run lint` step: packages talk only through their public entry (STYLE habit 3).
 * - a service imports @boxoffice/shared and nothing from another service or the gateway;
 * - the gateway imports no service; shared imports no service and not the gateway;
 * - nobody deep-imports "@boxoffice/shared/…".
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

/** The package a file path or an import specifier points into, if any. */
function packageOf(absolutePath: string): string | undefined {
  const rel = relative(ROOT, absolutePath).split(sep).join('/');
  return Object.keys(PACKAGES).find((name) => rel === PACKAGES[name] || rel.startsWith(`${PACKAGES[name]}/`));
}

function violation(owner: string, specifier: string, file: string): string | undefined {
  if (/^@boxoffice\/shared\/./.test(specifier))
    return 'deep import into @boxoffice/shared; import "@boxoffice/shared"';
  const named = /^@boxoffice\/([a-z]+)/.exec(specifier)?.[1];
  const target = named ?? (specifier.startsWith('.') ? packageOf(resolve(file, '..', specifier)) : undefined);
  if (!target || target === owner || target === 'shared') return undefined;
  if (owner === 'shared') return `shared must not import ${target}`;
  return `${owner} must not import ${target}`;
}

const problems: string[] = [];
for (const [owner, dir] of Object.entries(PACKAGES)) {
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
