import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Runs one of the project's scripts (`scripts/bench-read.ts`, …) as `npm run` would, from the
 * repository root, and returns what it printed; rejects if it exits non-zero or outlasts the
 * timeout.
 */
export async function runScript(
  script: string,
  args: readonly string[],
  timeoutMs = 110_000,
): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: resolve(__dirname, '../..'),
    timeout: timeoutMs,
    env: process.env,
  });
  return stdout;
}
