import { Client } from 'pg';
import { ControlStore, Resharder, ResharderOptions } from '@boxoffice/reshard';
import { ServiceName } from '@boxoffice/runtime';
import { withDatabase } from '@boxoffice/sharding';
import { MIGRATIONS } from '../../migrations';
import { RESHARD_TABLES } from '../../migrations/reshard-tables';
import { TEST_PG_URL, TestEnv } from '../support';

/** A Resharder over a TestEnv's databases, its lines collected in `lines`. */
export async function resharderFor(
  env: TestEnv,
  options: Partial<Omit<ResharderOptions, 'store' | 'print'>> = {},
): Promise<{ resharder: Resharder; store: ControlStore; lines: string[] }> {
  await ControlStore.ensure(env.topology.shardMapUrl);
  const store = new ControlStore(env.topology.shardMapUrl);
  const lines: string[] = [];
  const resharder = new Resharder({
    store,
    topologyShards: (service) => env.topology.services[service as ServiceName].shards,
    migrations: (service) => MIGRATIONS[service as ServiceName],
    tables: (service) => RESHARD_TABLES[service as ServiceName],
    print: (line) => lines.push(line),
    batchSize: 50,
    mapSettleMs: 300,
    ...options,
  });
  return { resharder, store, lines };
}

/** Runs SQL on one of the env's databases, e.g. `users_9_f`. */
export async function sql<R extends object = Record<string, unknown>>(
  env: TestEnv,
  database: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: withDatabase(TEST_PG_URL, `${env.prefix}${database}`) });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** How many rows of `table` have `column = value` in each listed database. */
export async function countsIn(
  env: TestEnv,
  databases: readonly string[],
  table: string,
  column: string,
  values: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map(values.map((v) => [v, 0]));
  for (const database of databases) {
    const rows = await sql<{ v: string; n: number }>(
      env,
      database,
      `select ${column}::text as v, count(*)::int as n from ${table} where ${column}::text = any($1) group by 1`,
      [values],
    );
    for (const row of rows) counts.set(row.v, (counts.get(row.v) ?? 0) + row.n);
  }
  return counts;
}

/** `count` users straight into the users shard 90-ff, spread over its buckets (a copy of several batches). */
export async function seedUsers(env: TestEnv, count: number): Promise<void> {
  await sql(
    env,
    'users_9_f',
    `insert into users (id, email, display_name, password_hash)
     select (lpad(to_hex(144 + (i % 112)), 2, '0') || substr(gen_random_uuid()::text, 3))::uuid,
            'seed-' || i || '@example.test', 'Seed', 'x'
     from generate_series(1, $1::int) i`,
    [count],
  );
}

export const bucket = (id: string): number => parseInt(id.slice(0, 2), 16);
