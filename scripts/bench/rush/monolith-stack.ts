import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, withDatabase } from '@boxoffice/sharding';
import { freePort } from '../../stack/ports';
import type { RunningProcess } from '../../stack/processes';
import { Supervisor } from '../../stack/supervisor';
import { SCHEMA } from './monolith-sql';

/** The monolith baseline running: its URL, its process (for CPU time) and its facts after the run. */
export interface MonolithStack {
  url: string;
  process: RunningProcess;
  /** The event's seats sold vs capacity, and its orders by status, read from its database. */
  facts(eventId: string): Promise<{ capacity: number; seatsSold: number; byStatus: Record<string, number> }>;
  stop(): Promise<void>;
}

/**
 * Creates `load_<random>_monolith` on `pgUrl`'s server, starts monolith-app.ts against it on a
 * free port under the stack's process supervision (its log in a temp folder), and drops the
 * database again on stop.
 */
export async function startMonolith(pgUrl: string, env: Record<string, string>): Promise<MonolithStack> {
  const prefix = `load_${randomBytes(3).toString('hex')}_`;
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
  const supervisor = new Supervisor({
    logDir: mkdtempSync(join(tmpdir(), `boxoffice-${prefix}`)),
    restarts: false,
    readyTimeoutMs: 30_000,
  });
  let proc: RunningProcess;
  try {
    await query(SCHEMA);
    const port = await freePort();
    const spec = {
      name: 'monolith',
      role: 'baseline' as const,
      entry: join(__dirname, 'monolith-app.ts'),
      port,
      url: `http://127.0.0.1:${port}`,
      env: { ...env, PORT: String(port), DATABASE_URL: databaseUrl },
    };
    proc = (await supervisor.start(spec)).current;
  } catch (err) {
    await supervisor.stopAll(2000);
    await dropDatabase(databaseUrl);
    throw err;
  }
  return {
    url: proc.url,
    process: proc,
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
      await supervisor.stopAll(5000);
      await dropDatabase(databaseUrl);
    },
  };
}
