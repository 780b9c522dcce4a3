import request from 'supertest';
import { ControlStore } from '@boxoffice/reshard';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import { InProcessService, TestEnv, buildServiceInProcess, createTestEnv } from '../support';
import { resharderFor, seedUsers, sql } from './reshard-kit';

/** /readyz of a users instance that follows a split: it checks the shards of the map it routes by now. */
describe('readiness after a split', () => {
  let env: TestEnv;
  let svc: InProcessService;
  let store: ControlStore;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    await seedUsers(env, 100);
    svc = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
    await svc.ctx.shardMap.start();
  });

  afterAll(async () => {
    await svc?.close();
    await store?.close();
    await env?.cleanup();
  });

  const shardChecks = (body: {
    checks?: Record<string, string>;
    error?: { details?: { checks?: Record<string, string> } };
  }) =>
    Object.entries(body.checks ?? body.error?.details?.checks ?? {}).filter(([name]) =>
      name.startsWith('shard '),
    );

  test('when the topology’s map is in use, then each of its four shards is checked', async () => {
    const res = await request(svc.app).get('/readyz').expect(200);
    expect(shardChecks(res.body)).toEqual([
      ['shard users_0_2', 'ok'],
      ['shard users_3_5', 'ok'],
      ['shard users_6_8', 'ok'],
      ['shard users_9_f', 'ok'],
    ]);
  });

  test('when 90-ff is split at c0, then the new shard is checked and the old one by its new range', async () => {
    const made = await resharderFor(env);
    store = made.store;
    await made.resharder.split('users', { lo: 0x90, hi: 0xff }, 0xc0);
    for (let i = 0; i < 100 && svc.ctx.router.version < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const res = await request(svc.app).get('/readyz').expect(200);
    expect(shardChecks(res.body)).toEqual([
      ['shard users_0_2', 'ok'],
      ['shard users_3_5', 'ok'],
      ['shard users_6_8', 'ok'],
      ['shard users_9_b', 'ok'],
      ['shard users_c_f', 'ok'],
    ]);
  });

  test('when the new shard’s database holds another range, then the instance is not ready and names that shard', async () => {
    await sql(env, 'users_c_f', `update boxoffice_shard set bucket_range = '00-2f'`);
    try {
      const res = await request(svc.app).get('/readyz').expect(503);
      expect(res.body.error.code).toBe('not_ready');
      expect(Object.fromEntries(shardChecks(res.body))).toMatchObject({
        'shard users_9_b': 'ok',
        'shard users_c_f': expect.stringMatching(/users_c_f \(c0-ff\) holds users 00-2f/),
      });
    } finally {
      await sql(env, 'users_c_f', `update boxoffice_shard set bucket_range = 'c0-ff'`);
    }
    await request(svc.app).get('/readyz').expect(200);
  });
});
