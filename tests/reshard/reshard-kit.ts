import { Client } from 'pg';
import { ControlStore, Resharder, ResharderOptions } from '@boxoffice/reshard';
import { withDatabase } from '@boxoffice/sharding';
import { topologyResharder } from '@boxoffice/devstack';
import { TEST_PG_URL, TestEnv } from '../support';
import { Buyer, createEvent, newBuyer, order } from '../tickets/purchase-kit';

/** A Resharder over a TestEnv's databases, its lines collected in `lines`. */
export async function resharderFor(
  env: TestEnv,
  options: Partial<Omit<ResharderOptions, 'store' | 'print'>> = {},
): Promise<{ resharder: Resharder; store: ControlStore; lines: string[] }> {
  await ControlStore.ensure(env.topology.shardMapUrl);
  const store = new ControlStore(env.topology.shardMapUrl);
  const lines: string[] = [];
  const resharder = topologyResharder(env.topology, store, {
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

/** Events on sale through the gateway, at least two of them in buckets c0-ff (they move). */
export async function eventsToBuy(gatewayUrl: string, capacity = 60): Promise<{ id: string }[]> {
  const events: { id: string }[] = [];
  while (events.filter((e) => bucket(e.id) >= 0xc0).length < 2 || events.length < 6) {
    events.push(await createEvent(gatewayUrl, capacity));
  }
  return events;
}

export interface Purchases {
  /** Orders answered 201, 202 or 409 (sold out: an answer like any other, the order is kept). */
  acked: { id: string; buyer: Buyer }[];
  /** Any other answer, as status and body. */
  failed: string[];
  /** Each request's duration, ms. */
  took: number[];
}

/**
 * `loops` buyers at a time ordering 1–3 seats of a random event through the gateway while
 * `during` runs, and `settleMs` after it. Returns what they were answered.
 */
export async function buyWhile(
  gatewayUrl: string,
  events: readonly { id: string }[],
  during: () => Promise<unknown>,
  { loops = 3, settleMs = 1500 } = {},
): Promise<Purchases> {
  const result: Purchases = { acked: [], failed: [], took: [] };
  let done = false;
  const buy = async () => {
    while (!done) {
      const buyer = newBuyer();
      const event = events[Math.floor(Math.random() * events.length)]!;
      const started = performance.now();
      const res = await order(gatewayUrl, buyer, {
        eventId: event.id,
        quantity: 1 + (result.acked.length % 3),
      });
      result.took.push(performance.now() - started);
      if ([201, 202, 409].includes(res.status)) result.acked.push({ id: res.body.id as string, buyer });
      else result.failed.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
  };
  const running = Array.from({ length: loops }, buy);
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await during();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    done = true;
    await Promise.all(running);
  }
  return result;
}

/** "p50 57 ms, p99 791 ms, max 1112 ms" of a list of durations. */
export function latencyLine(took: readonly number[]): string {
  const sorted = [...took].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))] ?? 0);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

/** `count` events on the events shard 90-ff, each with two seat reservations and an inbox entry. */
export async function seedEvents(env: TestEnv, count: number): Promise<void> {
  await sql(
    env,
    'events_9_f',
    `with e as (
       insert into events (id, organizer_id, title, venue, starts_at, capacity, seats_sold)
       select (lpad(to_hex(144 + (i % 112)), 2, '0') || substr(gen_random_uuid()::text, 3))::uuid,
              gen_random_uuid(), 'Event ' || i, 'Hall', now() + interval '1 day', 100, 4
       from generate_series(1, $1::int) i returning id)
     insert into seat_reservations (order_id, event_id, buyer_id, quantity, outcome)
     select gen_random_uuid(), e.id, gen_random_uuid(), 2, 'reserved' from e, generate_series(1, 2)`,
    [count],
  );
  await sql(
    env,
    'events_9_f',
    `insert into processed_messages (consumer, message_id) select 'events', gen_random_uuid() from generate_series(1, 20)`,
  );
}
