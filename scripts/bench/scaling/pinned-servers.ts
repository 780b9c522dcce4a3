/**
 * What the "slower, but scales further" experiment runs on: a Postgres cluster and a Redis of its
 * own (so that they can be pinned to cores with everything else; the machine's shared servers
 * are never touched), `taskset` to pin a process and its threads (and a Postgres cluster's every
 * backend), and the monolith's serial limit measured on that cluster.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ensureDatabase, withDatabase } from '@boxoffice/sharding';
import { startReplicaCluster, type ReplicaCluster } from '../../replicas/replica-cluster';
import { freePort } from '../../stack/ports';
import { childPids } from '../process-cpu';
import { SCHEMA, SELL } from '../rush/monolith-sql';

const run = promisify(execFile);

/** A Postgres cluster and a Redis of the experiment's own, both on free ports under `dir`. */
export interface PinnedServers {
  pgUrl: string;
  redisUrl: string;
  /** The postmaster and every process it has forked (backends, WAL writer…), now. */
  postgresPids(): number[];
  redisPid: number;
  stop(): Promise<void>;
}

async function waitForRedis(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    try {
      await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { timeout: 2000 });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer in 15 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts both servers (Postgres durable, as the stacks' usual server is). */
export async function startPinnedServers(dir: string): Promise<PinnedServers> {
  mkdirSync(dir, { recursive: true });
  // The cluster runs as user postgres when we are root: it must be able to reach its folder.
  chmodSync(dir, 0o755);
  const cluster: ReplicaCluster = await startReplicaCluster({
    dir: join(dir, 'postgres'),
    replicas: 0,
    maxConnections: 300,
  });
  const redisPort = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  try {
    await waitForRedis(redis, redisPort);
  } catch (err) {
    redis.kill('SIGKILL');
    await cluster.remove();
    throw err;
  }
  const postmaster = () =>
    Number(readFileSync(join(cluster.primary.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    pgUrl: cluster.primary.url,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    postgresPids: () => [postmaster(), ...childPids(postmaster())],
    redisPid: redis.pid ?? 0,
    async stop() {
      redis.kill('SIGTERM');
      await cluster.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Pins each process, every thread of it (`taskset -a`), to `cpus` ("0", "0,1"). A process that
 * is gone meanwhile is skipped; any other failure (no taskset, a CPU this machine lacks) throws.
 */
export async function pin(pids: readonly number[], cpus: string): Promise<void> {
  for (const pid of pids) {
    if (!pid) continue;
    try {
      await run('taskset', ['-a', '-p', '-c', cpus, String(pid)], { timeout: 5000 });
    } catch (err) {
      const gone = !readdirSync('/proc').includes(String(pid));
      if (!gone) {
        throw new Error(`taskset -a -p -c ${cpus} ${pid} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/**
 * The monolith's serial limit, measured directly: its selling statement run back to back on one
 * connection against one event, so nothing waits for the row but the statement itself. Each run
 * holds the row from its UPDATE to its commit; the round trip adds the client's part, so
 * 1 / (mean time per statement) is a floor on how many orders per second one event can be sold
 * at, on any number of cores. Returns orders/s and the mean ms per statement.
 */
export async function monolithSerialLimit(
  pgUrl: string,
  orders: number,
): Promise<{ perSecond: number; msPerOrder: number }> {
  const databaseUrl = withDatabase(pgUrl, `serial_${randomUUID().slice(0, 8)}`);
  await ensureDatabase(databaseUrl);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(SCHEMA);
    const eventId = randomUUID();
    await client.query('insert into events (id, capacity) values ($1, $2)', [eventId, orders + 100]);
    const sell = () => client.query({ ...SELL, values: [eventId, 1, randomUUID(), randomUUID()] });
    for (let i = 0; i < 50; i++) await sell(); // warm: the prepared plan, the row in cache
    const started = performance.now();
    for (let i = 0; i < orders; i++) await sell();
    const ms = (performance.now() - started) / orders;
    return { perSecond: 1000 / ms, msPerOrder: ms };
  } finally {
    await client.end();
  }
}

/** Sums of the events service's seat-batch histograms, from its /metrics. */
export interface SeatBatchTotals {
  batches: number;
  heldSeconds: number;
  orders: number;
}

/** Reads the seat-batch histograms' sums and counts from an events process's /metrics. */
export async function seatBatchTotals(eventsUrl: string): Promise<SeatBatchTotals> {
  const res = await fetch(`${eventsUrl}/metrics`);
  if (!res.ok) throw new Error(`${eventsUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  // One line per metric, after its labels (the registry adds service="events").
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    batches: value('events_seat_batch_hold_seconds_count'),
    heldSeconds: value('events_seat_batch_hold_seconds_sum'),
    orders: value('events_seat_batch_orders_sum'),
  };
}

/**
 * The saga's serial limit from one rush: orders per batch ÷ seconds each batch held the event's
 * row. Batches grow with the backlog, so this is the limit at this rush's load.
 */
export function sagaSerialLimit(before: SeatBatchTotals, after: SeatBatchTotals) {
  const batches = after.batches - before.batches;
  const held = after.heldSeconds - before.heldSeconds;
  const orders = after.orders - before.orders;
  if (batches <= 0 || held <= 0) return { perSecond: NaN, msPerBatch: NaN, ordersPerBatch: NaN };
  return {
    perSecond: orders / held,
    msPerBatch: (1000 * held) / batches,
    ordersPerBatch: orders / batches,
  };
}
