import { Client } from 'pg';
import { ControlStore } from '@boxoffice/reshard';
import { withDatabase } from '@boxoffice/sharding';
import type { ReplicaCluster } from '@boxoffice/devstack';
import { startTestCluster } from '../replicas/replica-cluster-kit';
import { TestEnv, createTestEnv } from '../support';
import { resharderFor, seedEvents, sql } from './reshard-kit';

/** One query on a database anywhere (the private server's included). */
async function queryAt<R extends object>(url: string, text: string): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as R[];
  } finally {
    await client.end();
  }
}

/**
 * `events move 90-ff to <url>` onto a Postgres server of its own (started for the test): the
 * same phases as a split, with the whole range moving and the old shard fenced for all of it.
 */
describe('moving a shard to another Postgres server', () => {
  let env: TestEnv;
  let cluster: ReplicaCluster;
  let store: ControlStore;

  beforeAll(async () => {
    [env, cluster] = await Promise.all([
      createTestEnv({ services: ['events'] }),
      startTestCluster({ replicas: 0 }),
    ]);
    await seedEvents(env, 200);
  });

  afterAll(async () => {
    await store?.close();
    await cluster?.remove();
    await env?.cleanup();
  });

  test('when events 90-ff is moved and completed, then the new server holds it, the map names it and the old shard is fenced and emptied', async () => {
    const kit = await resharderFor(env);
    store = kit.store;
    const target = withDatabase(cluster.primary.url, `${env.prefix}events_9_f`);
    await kit.resharder.move('events', { lo: 0x90, hi: 0xff }, target);

    const map = (await store.latest('events'))!;
    expect(map.version).toBe(1);
    expect(map.shards.map((s) => [s.name, s.primary])).toEqual([
      ['0_2', env.topology.services.events.shards[0]!.primary],
      ['3_5', env.topology.services.events.shards[1]!.primary],
      ['6_8', env.topology.services.events.shards[2]!.primary],
      ['9_f', target],
    ]);
    const [moved] = await queryAt<{ events: number; seats: number; stamp: string }>(
      target,
      `select (select count(*)::int from events) as events, (select count(*)::int from seat_reservations) as seats,
              (select bucket_range from boxoffice_shard) as stamp`,
    );
    expect(moved).toEqual({ events: 200, seats: 400, stamp: '90-ff' });
    // The old shard refuses the range now: any bucket of it.
    await expect(
      sql(env, 'events_9_f', `update events set title = 'late' where id = (select id from events limit 1)`),
    ).rejects.toThrow(/moved to another shard at shard map version 1/);

    await kit.resharder.complete('events');
    expect(await sql(env, 'events_9_f', 'select count(*)::int as n from events')).toEqual([{ n: 0 }]);
    expect(await queryAt(target, `select 1 from pg_trigger where tgname like 'boxoffice_reshard%'`)).toEqual(
      [],
    );
  });
});
