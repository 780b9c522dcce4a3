import request from 'supertest';
import { ControlStore, Resharder } from '@boxoffice/reshard';
import { emailKey } from '@boxoffice/sharding';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import {
  InProcessService,
  TestEnv,
  buildServiceInProcess,
  callerHeaders,
  createTestEnv,
  uniqueEmail,
} from '../support';
import { bucket, countsIn, latencyLine, resharderFor, seedUsers, sql } from './reshard-kit';

const OLD_SHARDS = ['users_0_2', 'users_3_5', 'users_6_8', 'users_9_f'];
const NEW_SHARDS = [...OLD_SHARDS, 'users_c_f'];
const RANGE = { lo: 0x90, hi: 0xff };

interface Written {
  id: string;
  email: string;
}

/**
 * Online resharding of the users service, in-process: two service instances write while
 * `users split 90-ff at c0` runs; one follows the published map, the other only learns it when
 * the old shard's fence refuses its write. Checks where every acknowledged write ends up.
 */
describe('resharding the users service', () => {
  let env: TestEnv;
  let following: InProcessService;
  let stale: InProcessService;
  let resharder: Resharder;
  let store: ControlStore;
  let lines: string[];
  const written: Written[] = [];
  const failures: string[] = [];

  const build = () => buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));

  const latencies: number[] = [];

  async function signUp(svc: InProcessService): Promise<Written | undefined> {
    const email = uniqueEmail('reshard');
    const started = performance.now();
    const res = await request(svc.app)
      .post('/api/users')
      .send({ email, password: 'correct horse', displayName: 'R' });
    if (res.status !== 201) {
      failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      return undefined;
    }
    latencies.push(performance.now() - started);
    const user = { id: res.body.id as string, email: email.toLowerCase() };
    written.push(user);
    return user;
  }

  /** Signs users up from both instances until `work` ends; returns how many were acknowledged meanwhile. */
  async function whileWriting<T>(work: () => Promise<T>): Promise<{ value: T; during: number }> {
    let done = false;
    const before = written.length;
    const loop = async (svc: InProcessService) => {
      while (!done) await signUp(svc);
    };
    const loops = [loop(following), loop(stale), loop(following)];
    try {
      const value = await work();
      return { value, during: written.length - before };
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 300));
      done = true;
      await Promise.all(loops);
    }
  }

  /** Each acknowledged user's row and email index entry, counted over `databases`. */
  async function placements(databases: readonly string[]) {
    const users = await countsIn(
      env,
      databases,
      'users',
      'id',
      written.map((w) => w.id),
    );
    const emails = await countsIn(
      env,
      databases,
      'email_index',
      'email_hash',
      written.map((w) => emailKey(w.email)),
    );
    return { users, emails };
  }

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    await seedUsers(env, 1500);
    following = build();
    stale = build();
    await following.ctx.shardMap.start();
    ({ resharder, store, lines } = await resharderFor(env));
  });

  afterAll(async () => {
    await following?.close();
    await stale?.close();
    await store?.close();
    await env?.cleanup();
  });

  test('when 90-ff is split at c0 under concurrent sign-ups, then every acknowledged write is once on its new shard and none failed', async () => {
    latencies.length = 0;
    const { during } = await whileWriting(() => resharder.split('users', RANGE, 0xc0));
    expect(during).toBeGreaterThan(0);
    if (process.env.RESHARD_REPORT) {
      process.stdout.write(
        `${lines.join('\n')}\nsign-ups during the split: ${during}, latency ${latencyLine(latencies)}\n`,
      );
    }
    // The instance that does not follow the map writes moved keys after the switch too.
    for (let moved = 0; moved < 3;) if (bucket((await signUp(stale))?.id ?? '00') >= 0xc0) moved++;
    expect(failures).toEqual([]);
    expect(following.ctx.router.version).toBe(1);
    expect(following.ctx.router.shards.map((s) => s.name)).toEqual(['0_2', '3_5', '6_8', '9_b', 'c_f']);

    // Exactly once on the shard the new map names (the source keeps its copy until complete).
    for (const w of written) {
      const owner = following.ctx.router.shardForKey(w.id).primary.split('/').pop()!;
      const [row] = await sql<{ n: number }>(
        env,
        owner.slice(env.prefix.length),
        'select count(*)::int as n from users where id = $1',
        [w.id],
      );
      expect({ id: w.id, n: row!.n }).toEqual({ id: w.id, n: 1 });
    }
    const moved = written.filter((w) => bucket(w.id) >= 0xc0).map((w) => w.id);
    expect(moved.length).toBeGreaterThan(0);
    const [target] = await sql<{ n: number }>(
      env,
      'users_c_f',
      'select count(*)::int as n from users where id::text = any($1)',
      [moved],
    );
    expect(target!.n).toBe(moved.length);
  });

  test('when the split is aborted after the switch, then the old layout is back with the writes made on the new shard', async () => {
    // Writes that only the new shard has: they must come back.
    const afterSwitch: Written[] = [];
    while (afterSwitch.filter((w) => bucket(w.id) >= 0xc0).length < 3)
      afterSwitch.push((await signUp(following))!);
    await whileWriting(() => resharder.abort('users'));
    expect(failures).toEqual([]);
    expect(following.ctx.router.version).toBe(2);
    expect(following.ctx.router.shards.map((s) => s.name)).toEqual(['0_2', '3_5', '6_8', '9_f']);
    const { users, emails } = await placements(OLD_SHARDS);
    expect([...users].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...emails].filter(([, n]) => n !== 1)).toEqual([]);
    const targets = await sql(env, 'users_0_2', `select 1 from pg_database where datname = $1`, [
      `${env.prefix}users_c_f`,
    ]);
    expect(targets).toEqual([]);
    expect(
      await sql(env, 'users_9_f', `select 1 from pg_trigger where tgname like 'boxoffice_reshard%'`),
    ).toEqual([]);
  });

  test('when split again and a process with the old map writes a moved key, then the old shard refuses it and it retries on the new shard', async () => {
    await whileWriting(() => resharder.split('users', RANGE, 0xc0));
    const late = build();
    try {
      expect(late.ctx.router.version).toBe(0);
      const refusals: number[] = [];
      const reload = late.ctx.dbs.onFenced!;
      late.ctx.dbs.onFenced = (version) => {
        refusals.push(version);
        return reload(version);
      };
      let user: Written | undefined;
      while (!user || bucket(user.id) < 0xc0) user = await signUp(late);
      expect(failures).toEqual([]);
      expect(refusals.length).toBeGreaterThan(0);
      expect(late.ctx.router.version).toBe(3);
      const counts = await countsIn(env, NEW_SHARDS, 'users', 'id', [user.id]);
      expect(counts.get(user.id)).toBe(1);
      const [onTarget] = await sql<{ n: number }>(
        env,
        'users_c_f',
        'select count(*)::int as n from users where id = $1',
        [user.id],
      );
      expect(onTarget!.n).toBe(1);
    } finally {
      await late.close();
    }
  });
  test('when the split is completed, then each acknowledged user and email entry is on exactly one shard and sign-in finds moved addresses', async () => {
    await resharder.complete('users');
    expect(failures).toEqual([]);
    const { users, emails } = await placements(NEW_SHARDS);
    expect([...users].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...emails].filter(([, n]) => n !== 1)).toEqual([]);
    // The email index still finds them: sign-in looks the address up by its hash's bucket.
    const movedEmails = written.filter((w) => bucket(emailKey(w.email)) >= 0xc0).slice(0, 5);
    expect(movedEmails.length).toBeGreaterThan(0);
    for (const w of movedEmails) {
      const res = await request(following.app)
        .post('/internal/sessions')
        .set(callerHeaders())
        .send({ email: w.email, password: 'correct horse' });
      expect({ email: w.email, status: res.status, id: res.body.id }).toEqual({
        email: w.email,
        status: 200,
        id: w.id,
      });
    }
    const [left] = await sql<{ n: number }>(
      env,
      'users_9_f',
      `select count(*)::int as n from users where id >= 'c0000000-0000-0000-0000-000000000000'`,
    );
    expect(left!.n).toBe(0);
    expect(
      await sql(env, 'users_c_f', `select 1 from pg_trigger where tgname like 'boxoffice_reshard%'`),
    ).toEqual([]);
  });
});
