import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, withDatabase } from '@boxoffice/sharding';
import { REPO_ROOT, RunningProcess, freePort, stopProcess, waitUntilReady } from '../lib/process-stack';

/** The monolith baseline running: its URL, its process (for CPU time) and its facts after the run. */
export interface MonolithStack {
  url: string;
  process: RunningProcess;
  /** The event's seats sold vs capacity, and its orders by status, read from its database. */
  facts(eventId: string): Promise<{ capacity: number; seatsSold: number; byStatus: Record<string, number> }>;
  stop(): Promise<void>;
}

const SCHEMA = `
  create table events (
    id uuid primary key,
    capacity integer not null check (capacity > 0),
    seats_sold integer not null default 0 check (seats_sold between 0 and capacity)
  );
  create table orders (
    id uuid primary key,
    event_id uuid not null,
    buyer_id uuid not null,
    quantity integer not null,
    status text not null check (status in ('confirmed', 'rejected')),
    created_at timestamptz not null default now()
  );`;

/**
 * Creates `<prefix>monolith` on `pgUrl`'s server, starts monolith-app.ts against it on a free
 * port (logging to `logDir`), and drops the database again on stop.
 */
export async function startMonolith(
  pgUrl: string,
  prefix: string,
  logDir: string,
  env: Record<string, string>,
): Promise<MonolithStack> {
  const databaseUrl = withDatabase(pgUrl, `${prefix}monolith`);
  await ensureDatabase(databaseUrl);
  const query = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  let proc: RunningProcess | undefined;
  try {
    await query(SCHEMA);
    const port = await freePort();
    const logFile = join(logDir, 'monolith.log');
    const fd = openSync(logFile, 'a');
    const profile = env.BOXOFFICE_CPU_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${env.BOXOFFICE_CPU_PROF_DIR}`]
      : [];
    const child = spawn(
      process.execPath,
      [...profile, '--import', 'tsx', join(__dirname, 'monolith-app.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...env, PORT: String(port), DATABASE_URL: databaseUrl },
        stdio: ['ignore', fd, fd, 'ipc'],
      },
    );
    closeSync(fd);
    const url = `http://127.0.0.1:${port}`;
    proc = { name: 'monolith', role: 'gateway', port, url, env, child, logFile };
    await waitUntilReady(proc, 30_000);
  } catch (err) {
    if (proc) await stopProcess(proc, 2000);
    await dropDatabase(databaseUrl);
    throw err;
  }
  const running = proc;
  return {
    url: running.url,
    process: running,
    async facts(eventId) {
      const [event] = await query<{ capacity: number; seats_sold: number }>(
        'select capacity, seats_sold from events where id = $1',
        [eventId],
      );
      const rows = await query<{ status: string; n: string }>(
        'select status, count(*) as n from orders where event_id = $1 group by status',
        [eventId],
      );
      return {
        capacity: event?.capacity ?? 0,
        seatsSold: event?.seats_sold ?? 0,
        byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
      };
    },
    async stop() {
      await stopProcess(running, 5000);
      await dropDatabase(databaseUrl);
    },
  };
}
