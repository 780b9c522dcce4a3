import { Client } from 'pg';
import { Registry } from 'prom-client';
import {
  ShardDatabases,
  ShardRouter,
  ensureDatabase,
  runWithReadContext,
  shardKey,
  withDatabase,
} from '@boxoffice/sharding';
import type { ReplicaCluster } from '@boxoffice/devstack';
import { eventually, startTestCluster } from './replica-cluster-kit';

/** 600 ms: long enough that "right after the write" is reliably before the replica replays it. */
const APPLY_DELAY_MS = 600;

let cluster: ReplicaCluster;
let primaryDb: string;
let replicaDb: string;

function databases(options: { maxLagMs?: number; metrics?: Registry } = {}): ShardDatabases {
  const router = new ShardRouter('users', [
    { name: '0_f', range: { lo: 0, hi: 255 }, primary: primaryDb, replicas: [replicaDb] },
  ]);
  return new ShardDatabases(router, {
    replicaMaxLagMs: options.maxLagMs ?? 5000,
    replicaPollIntervalMs: 100,
    metrics: options.metrics,
  });
}

/** Reads note `id` through readOn: where it was served and whether the row was there. */
async function readNote(dbs: ShardDatabases, id: number) {
  return dbs.readOn(dbs.router.shards[0]!, async (db) => {
    const { rows } = await db.raw(
      'select pg_is_in_recovery() as standby, exists(select 1 from notes where id = ?) as found',
      [id],
    );
    return rows[0] as { standby: boolean; found: boolean };
  });
}

async function writeNote(dbs: ShardDatabases, id: number): Promise<Map<string, bigint>> {
  const shard = dbs.router.shards[0]!;
  await dbs.runOn(shard, (db) => db('notes').insert({ id }));
  return dbs.writePositions([shard]);
}

async function readCount(metrics: Registry, target: string, reason: string): Promise<number> {
  const metric = await metrics.getSingleMetric('db_reads_total')!.get();
  return metric.values.find((v) => v.labels.target === target && v.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  cluster = await startTestCluster({ applyDelayMs: APPLY_DELAY_MS });
  primaryDb = withDatabase(cluster.primary.url, 'notes_db');
  await ensureDatabase(primaryDb);
  replicaDb = withDatabase(cluster.replicas[0]!.url, 'notes_db');
  const setup = databases();
  await setup.runOn(setup.router.shards[0]!, (db) => db.raw('create table notes (id int primary key)'));
  // The replica applies WAL APPLY_DELAY_MS late: wait until it has the table, or the first test
  // would read a replica on which "notes" does not exist yet.
  await eventually('the replica has replayed create table', async () => {
    // Until the database itself is replayed, connecting fails: that is "not yet" too.
    const client = new Client({ connectionString: replicaDb });
    try {
      await client.connect();
      const { rows } = await client.query("select to_regclass('notes') is not null as ready");
      return (rows[0] as { ready: boolean }).ready;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  await setup.destroy();
}, 240_000);

afterAll(async () => {
  await cluster?.remove();
});

describe('a shard with a real streaming replica', () => {
  test('when the replica is asked, then it is a standby on its own port, not the primary renamed', async () => {
    const dbs = databases();
    try {
      expect(cluster.replicas[0]!.port).not.toBe(cluster.primary.port);
      await eventually('the replica serves reads', async () => (await readNote(dbs, -1)).standby);
      const primary = await dbs.runOn(dbs.router.shards[0]!, (db) =>
        db.raw('select pg_is_in_recovery() as r'),
      );
      expect(primary.rows[0].r).toBe(false);
    } finally {
      await dbs.destroy();
    }
  });

  test('when a reader without a position reads right after a write, then the replica serves an old answer', async () => {
    const dbs = databases();
    try {
      await eventually('the replica serves reads', async () => (await readNote(dbs, -1)).standby);
      await writeNote(dbs, 101);
      expect(await readNote(dbs, 101)).toEqual({ standby: true, found: false });
    } finally {
      await dbs.destroy();
    }
  });

  test('when the writer reads with its position, then the primary serves until the replica replays it, then the replica', async () => {
    const metrics = new Registry();
    const dbs = databases({ metrics });
    try {
      await eventually('the replica serves reads', async () => (await readNote(dbs, -1)).standby);
      const positions = await writeNote(dbs, 102);
      expect(positions.get(shardKey('users', '0_f'))).toBeGreaterThan(0n);
      const read = () => runWithReadContext({ positions }, () => readNote(dbs, 102));
      expect(await read()).toEqual({ standby: false, found: true });
      expect(await readCount(metrics, 'primary', 'not_caught_up')).toBe(1);
      await eventually('the replica has replayed the write', async () => (await read()).standby);
      expect(await read()).toEqual({ standby: true, found: true });
      expect(await readCount(metrics, 'replica', 'caught_up')).toBeGreaterThanOrEqual(1);
    } finally {
      await dbs.destroy();
    }
  });

  test('when writes keep the replica further behind than the bound, then reads skip it as replica_lagging', async () => {
    const metrics = new Registry();
    const dbs = databases({ maxLagMs: 100, metrics });
    await eventually('the replica serves reads', async () => (await readNote(dbs, -1)).standby);
    let writing = true;
    let next = 1000;
    const writer = (async () => {
      while (writing) {
        await writeNote(dbs, next++);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await eventually(
        'the lag bound sends reads to the primary',
        async () => !(await readNote(dbs, -1)).standby,
      );
      expect(await readCount(metrics, 'primary', 'replica_lagging')).toBeGreaterThanOrEqual(1);
      const lag = await metrics.getSingleMetric('replica_lag_seconds')!.get();
      expect(lag.values[0]!.value).toBeGreaterThan(0.1);
      expect(dbs.replicas!.status()[0]!.status).toMatch(/^degraded: .* behind/);
    } finally {
      writing = false;
      await writer;
      await dbs.destroy();
    }
  });

  test('when the replica is killed, then reads go to the primary; when it comes back, it is used again', async () => {
    const metrics = new Registry();
    const dbs = databases({ metrics });
    const replica = cluster.replicas[0]!;
    try {
      await eventually('the replica serves reads', async () => (await readNote(dbs, -1)).standby);
      await cluster.stopNode(replica, 'immediate');
      for (let i = 0; i < 5; i++) expect(await readNote(dbs, -1)).toEqual({ standby: false, found: false });
      await eventually('the poller reports the replica down', () =>
        dbs.replicas!.status()[0]!.status.startsWith('degraded: down'),
      );
      expect(await readCount(metrics, 'primary', 'replica_down')).toBeGreaterThanOrEqual(1);
      const up = await metrics.getSingleMetric('replica_up')!.get();
      expect(up.values[0]!.value).toBe(0);
      await cluster.startNode(replica);
      await eventually('the replica serves reads again', async () => (await readNote(dbs, -1)).standby);
      expect(dbs.replicas!.status()[0]!.status).toBe('ok');
    } finally {
      if (
        !(await cluster.startNode(replica).then(
          () => true,
          () => false,
        ))
      ) {
        // already running: startNode refused to start it twice
      }
      await dbs.destroy();
    }
  });
});
