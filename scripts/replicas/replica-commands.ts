import { execFile } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where this machine's Postgres binaries live (`pg_config --bindir`), asked once. */
let binDir: Promise<string> | undefined;
export function postgresBinDir(): Promise<string> {
  binDir ??= run('pg_config', ['--bindir']).then(
    ({ stdout }) => stdout.trim(),
    (err: Error) => {
      binDir = undefined;
      throw new Error(`pg_config --bindir failed (is PostgreSQL installed?): ${err.message}`);
    },
  );
  return binDir;
}

/** The user the Postgres binaries run as: initdb refuses root, so root hands them to `postgres`. */
export interface PostgresUser {
  /** True when this process is root and the binaries run as user `postgres`. */
  switched: boolean;
  uid: number;
  gid: number;
}

let user: Promise<PostgresUser> | undefined;
export function postgresUser(): Promise<PostgresUser> {
  user ??= (async () => {
    const me = process.getuid?.() ?? 0;
    if (me !== 0) return { switched: false, uid: me, gid: process.getgid?.() ?? 0 };
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { switched: true, uid, gid };
  })();
  return user;
}

/** Makes `path` belong to the user the binaries run as (a no-op when that is us). */
export async function giveToPostgres(path: string): Promise<void> {
  const owner = await postgresUser();
  if (owner.switched) chownSync(path, owner.uid, owner.gid);
}

/**
 * Runs one Postgres binary (initdb, pg_ctl, pg_basebackup…) as the Postgres user, with a bound
 * on its duration. Resolves with stdout; rejects with the binary's stderr in the message.
 */
export async function runPostgresBinary(
  name: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const bin = join(await postgresBinDir(), name);
  if (!existsSync(bin)) throw new Error(`${bin} not found (pg_config --bindir)`);
  const owner = await postgresUser();
  const [file, argv] = owner.switched ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    // cwd /: runuser keeps the working directory, which user postgres may not be allowed to read.
    const { stdout } = await run(file, argv, { timeout: options.timeoutMs ?? 60_000, cwd: '/' });
    return stdout;
  } catch (err) {
    const failure = err as Error & { stderr?: string; stdout?: string };
    const detail = (failure.stderr || failure.stdout || failure.message).trim().split('\n').slice(-5);
    throw new Error(`${name} ${args.join(' ')} failed: ${detail.join(' | ')}`, { cause: err });
  }
}
