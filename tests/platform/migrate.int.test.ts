import knex from 'knex';
import { listDatabases, withDatabase } from '@boxoffice/sharding';
import { migrateAllShards } from '@boxoffice/devstack';
import { TEST_PG_URL, TestEnv, createTestEnv } from '../support';

describe('npm run migrate (migrateAllShards)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv({ migrate: false });
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('when run on a fresh server, then it creates <service>_<range> databases and migrates each, and the control database of the shard maps', async () => {
    const reports = await migrateAllShards(env.topology);
    expect(reports).toHaveLength(12);
    expect(reports.every((r) => r.created && r.applied.includes('0000_shard_identity'))).toBe(true);
    expect(await listDatabases(TEST_PG_URL, env.prefix)).toEqual([
      `${env.prefix}boxoffice_control`,
      ...['events', 'tickets', 'users'].flatMap((s) =>
        ['0_2', '3_5', '6_8', '9_f'].map((r) => `${env.prefix}${s}_${r}`),
      ),
    ]);
  });

  test('when run again, then it creates nothing and applies nothing', async () => {
    const reports = await migrateAllShards(env.topology);
    expect(reports.filter((r) => r.created || r.applied.length > 0)).toEqual([]);
  });

  test('when each shard is stamped, then it records its own service and bucket range', async () => {
    const db = knex({ client: 'pg', connection: withDatabase(TEST_PG_URL, `${env.prefix}users_6_8`) });
    try {
      const row = await db('boxoffice_shard').first('service', 'bucket_range');
      expect(row).toEqual({ service: 'users', bucket_range: '60-8f' });
    } finally {
      await db.destroy();
    }
  });

  test('when two shards of a topology point at one database, then migrating refuses with both named', async () => {
    const users = env.topology.services.users;
    const wrong = {
      ...env.topology,
      services: {
        ...env.topology.services,
        users: {
          ...users,
          shards: users.shards.map((s, i) => (i === 1 ? { ...s, primary: users.shards[0]!.primary } : s)),
        },
      },
    };
    await expect(migrateAllShards(wrong, ['users'])).rejects.toThrow(
      /database of shard users_3_5 \(30-5f\) holds users 00-2f: two shards point at one database\?/,
    );
  });
});
