/**
 * Builds the topology page (gateway/admin-ui) with Vite into gateway/admin-ui/dist, which the
 * gateway serves under /admin. `npm run build:admin` always builds; `npm start` and the browser
 * test build only when a source is newer than the last build. The build goes to a scratch
 * folder that is then renamed into place, so a gateway (or a second build) never sees half a page.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ADMIN_UI_ROOT = __dirname;
export const ADMIN_UI_OUT = join(ADMIN_UI_ROOT, 'dist');
const VITE = resolve(ADMIN_UI_ROOT, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');

function newestSourceMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestSourceMtime(join(path, entry))));
}

/** True when dist/ is missing or older than a source of the page. */
export function adminUiNeedsBuild(): boolean {
  const built = join(ADMIN_UI_OUT, 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['index.html', 'vite.config.mjs', 'src'].map((p) => join(ADMIN_UI_ROOT, p));
  return Math.max(...sources.map(newestSourceMtime)) > statSync(built).mtimeMs;
}

function runVite(outDir: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [VITE, 'build', '--config', join(ADMIN_UI_ROOT, 'vite.config.mjs'), '--outDir', outDir],
      { cwd: ADMIN_UI_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`vite build failed (exit ${code}):\n${output.slice(-2000)}`)),
    );
  });
}

/** Builds the page; with `ifNeeded`, only when adminUiNeedsBuild(). Resolves true when it built. */
export async function buildAdminUi(options: { ifNeeded?: boolean } = {}): Promise<boolean> {
  if (options.ifNeeded && !adminUiNeedsBuild()) return false;
  const scratch = join(ADMIN_UI_ROOT, `.dist-${process.pid}-${Date.now()}`);
  try {
    await runVite(scratch);
    const old = `${scratch}-old`;
    if (existsSync(ADMIN_UI_OUT)) renameSync(ADMIN_UI_OUT, old);
    try {
      renameSync(scratch, ADMIN_UI_OUT);
    } catch {
      // Another build won the race and its page is in place: ours is not needed.
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return true;
}

if (require.main === module) {
  buildAdminUi()
    .then(() => process.stdout.write(`topology page built into ${ADMIN_UI_OUT}\n`))
    .catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
