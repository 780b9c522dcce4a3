import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { ControlStore, ReshardError, type Phase } from '@boxoffice/reshard';
import { topologySchema, type TopologyView } from '../../gateway/src';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import {
  InProcessService,
  TEST_INTERNAL_KEY,
  TestEnv,
  buildServiceInProcess,
  callerHeaders,
  createTestEnv,
  expectDocumented,
} from '../support';
import { gatewayApp } from '../admin/admin-fixtures';
import { resharderFor, seedUsers, sql } from './reshard-kit';

const RANGE = { lo: 0x90, hi: 0xff };
const MOVED = `id >= 'c0000000-0000-0000-0000-000000000000'`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The topology page during a split of the users service: a users instance (in this process, on a
 * port) and a gateway over it; the split is run by a Resharder in this process, stopped or held
 * between phases through its afterPhase hook, as a killed or running command leaves the job.
 */
describe('the topology page while a service is resharded', () => {
  let env: TestEnv;
  let svc: InProcessService;
  let server: Server;
  let gateway: ReturnType<typeof gatewayApp>;
  const stores: ControlStore[] = [];
  let moved: number;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    await seedUsers(env, 300);
    moved = (
      await sql<{ n: number }>(env, 'users_9_f', `select count(*)::int as n from users where ${MOVED}`)
    )[0]!.n;
    svc = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
    await svc.ctx.shardMap.start();
    server = svc.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gateway = gatewayApp({ ...env.env, INTERNAL_KEYS: TEST_INTERNAL_KEY, USERS_URLS: url });
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => server?.close(resolve));
    await svc?.close();
    await Promise.all(stores.map((s) => s.close()));
    await env?.cleanup();
  });

  async function kit(afterPhase?: (done: Phase) => Promise<void>) {
    const made = await resharderFor(env, afterPhase ? { afterPhase: (_job, done) => afterPhase(done) } : {});
    stores.push(made.store);
    return made.resharder;
  }

  /** The users service as the page's JSON draws it, from a poll made now (the gateway polls at most once a second). */
  async function users(): Promise<TopologyView['services'][number]> {
    await sleep(1100);
    const res = await request(gateway.app).get('/admin/api/topology').expect(200);
    expectDocumented('GET', '/admin/api/topology', res);
    return topologySchema.parse(res.body).services.find((s) => s.name === 'users')!;
  }

  const db = (name: string) => `${env.prefix}${name}`;

  test('when a split stopped after the copy, then the page shows the phase to resume, the rows copied, the lag and the new shards', async () => {
    const stopAfterCopy = await kit(async (done) => {
      if (done === 'copy') throw new ReshardError('killed');
    });
    await expect(stopAfterCopy.split('users', RANGE, 0xc0)).rejects.toThrow('killed');
    // Writes to the moving range while nothing runs: logged, waiting for the catch-up.
    await sql(env, 'users_9_f', `update users set display_name = 'Changed' where ${MOVED}`);

    const view = await users();
    expect(view.reshard).toEqual({
      phase: 'catch-up',
      running: false,
      range: '90-ff',
      moving: 'c0-ff',
      source: { database: db('users_9_f'), host: '127.0.0.1:5432' },
      target: { database: db('users_c_f'), host: '127.0.0.1:5432' },
      newShards: [
        { range: '90-bf', database: db('users_9_f'), host: '127.0.0.1:5432' },
        { range: 'c0-ff', database: db('users_c_f'), host: '127.0.0.1:5432' },
      ],
      fromVersion: 0,
      toVersion: 1,
      rowsCopied: moved,
      lag: moved,
      pauseMs: null,
      startedAt: expect.any(String),
      note: 'stopped before catch-up: npm run reshard -- users resume (or abort)',
    });
    expect(view.instances.map((i) => i.shardMapVersion)).toEqual([0]);
    expect(view.shards.map((s) => `${s.range} ${s.reshard}`)).toEqual([
      '00-2f null',
      '30-5f null',
      '60-8f null',
      '90-ff source',
    ]);
    // Nothing in it names a password or a connection string.
    expect(JSON.stringify(view.reshard)).not.toMatch(/postgres:\/\//);
  });

  test('when a command is working on it, then the page says so and the lag is what is left after the catch-up', async () => {
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const atVerify = new Promise<void>((resolve) => (reached = resolve));
    const resharder = await kit(async (done) => {
      if (done !== 'catch-up') return;
      reached();
      await held;
    });
    const resuming = resharder.resume('users');
    try {
      await atVerify;
      const view = await users();
      expect(view.reshard).toMatchObject({ phase: 'verify', running: true, lag: 0, note: null });
    } finally {
      release();
    }
    await resuming;
  });

  test('when the map is published, then every process shows its new version and the new shard is drawn', async () => {
    for (let i = 0; i < 100 && svc.ctx.router.version < 1; i++) await sleep(50);
    const view = await users();
    expect(view.instances.map((i) => i.shardMapVersion)).toEqual([1]);
    expect(view.shards.map((s) => `${s.range} ${s.database} ${s.state} ${s.reshard}`)).toEqual([
      `00-2f ${db('users_0_2')} up null`,
      `30-5f ${db('users_3_5')} up null`,
      `60-8f ${db('users_6_8')} up null`,
      `90-bf ${db('users_9_f')} up source`,
      `c0-ff ${db('users_c_f')} up target`,
    ]);
    expect(view.shards.find((s) => s.range === 'c0-ff')!.rows).toMatchObject({ users: expect.any(Number) });
    expect(view.reshard).toMatchObject({
      phase: 'switched',
      running: false,
      lag: null,
      pauseMs: expect.any(Number),
      note: 'map version 1 is published and the old layout kept: npm run reshard -- users complete (or abort)',
    });

    await (await kit()).complete('users');
    const done = await users();
    expect(done.reshard).toBeNull();
    expect(done.shards.map((s) => s.reshard)).toEqual([null, null, null, null, null]);
  });

  test('when the stats are asked for an unknown part, or too many, then the answer is a 400 naming the field', async () => {
    for (const include of ['reshard,secrets', 'reshard,reshard,shards,bus']) {
      const res = await request(svc.app).get(`/internal/stats?include=${include}`).set(callerHeaders());
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify(res.body.error.details)).toContain('query.include');
    }
    const ok = await request(svc.app).get('/internal/stats?include=reshard').set(callerHeaders()).expect(200);
    expect(ok.body).toMatchObject({ shardMapVersion: 1, reshard: null });
  });
});
