import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { ControlStore, ReshardError } from '@boxoffice/reshard';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import { InProcessService, TestEnv, buildServiceInProcess, createTestEnv, uniqueEmail } from '../support';
import { bucket, resharderFor, seedUsers, sql } from './reshard-kit';

const ROOT = join(__dirname, '../..');
const RANGE = { lo: 0x90, hi: 0xff };
const MOVED = `id >= 'c0000000-0000-0000-0000-000000000000'`;

/** Runs `npm run reshard -- <args>` as a process of its own against the env. */
function reshardProcess(env: TestEnv, args: string[]): ChildProcess {
  // One process (no tsx wrapper), so SIGKILL kills the command itself.
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/reshard.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env.env, RESHARD_BATCH_SIZE: '5' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the command to its end: exit code and output. */
async function reshardCommand(env: TestEnv, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = reshardProcess(env, args);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

/**
 * Starts a split and kills it with SIGKILL once its output matches `when`. `meanwhile.run` is
 * started once the output matches `meanwhile.when` (writes made while the split runs).
 */
async function killSplitWhen(
  env: TestEnv,
  when: RegExp,
  meanwhile?: { when: RegExp; run: () => Promise<unknown> },
): Promise<string> {
  const child = reshardProcess(env, ['users', 'split', '90-ff', 'at', 'c0']);
  let out = '';
  let started: Promise<unknown> | undefined;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (meanwhile && !started && meanwhile.when.test(out)) started = meanwhile.run().catch(reject);
      if (when.test(out)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the split ended before it was killed:\n${out}`)));
  });
  await new Promise((resolve) => child.on('exit', resolve));
  await started;
  return out;
}

const count = async (env: TestEnv, database: string, text: string) =>
  (await sql<{ n: number }>(env, database, `select count(*)::int as n ${text}`))[0]!.n;
const leftovers = (env: TestEnv, database: string) =>
  count(env, database, `from pg_trigger where tgname like 'boxoffice_reshard%'`);
const targetExists = async (env: TestEnv) =>
  (await count(env, 'users_9_f', `from pg_database where datname = '${env.prefix}users_c_f'`)) === 1;

/** A users env of the describe's own with 3,000 users in 90-ff, and how many of them move to c0-ff. */
function seededUsers(): { env: TestEnv; moved: number } {
  const seeded = {} as { env: TestEnv; moved: number };
  beforeAll(async () => {
    seeded.env = await createTestEnv({ services: ['users'] });
    await seedUsers(seeded.env, 3000);
    seeded.moved = await count(seeded.env, 'users_9_f', `from users where ${MOVED}`);
  });
  afterAll(async () => {
    await seeded.env?.cleanup();
  });
  return seeded;
}

/** After an abort: no trigger, change log, control table or function on the source, and no target database. */
async function expectNothingLeftBehind(env: TestEnv): Promise<void> {
  expect(await leftovers(env, 'users_9_f')).toBe(0);
  expect(await count(env, 'users_9_f', `from pg_tables where tablename like 'boxoffice_reshard%'`)).toBe(0);
  expect(await count(env, 'users_9_f', `from pg_proc where proname like 'boxoffice_reshard%'`)).toBe(0);
  expect(await targetExists(env)).toBe(false);
}

describe('a resharding killed with SIGKILL during the copy', () => {
  const seeded = seededUsers();

  test('when it is aborted afterwards, then the old layout is whole and nothing is left behind', async () => {
    const { env } = seeded;
    await killSplitWhen(env, /copy users: \d+ rows/);
    const { code, out } = await reshardCommand(env, ['users', 'abort']);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(await count(env, 'users_9_f', 'from users')).toBe(3000);
    await expectNothingLeftBehind(env);
  });

  test('when it is resumed afterwards, then it finishes, verified, and complete leaves each row once', async () => {
    const { env, moved } = seeded;
    await killSplitWhen(env, /copy users: \d+ rows/);
    const resumed = await reshardCommand(env, ['users', 'resume']);
    expect(resumed.out).toMatch(/verify: \d+ rows in \d+ sub-ranges match/);
    expect(resumed.out).not.toMatch(/reshard: /);
    expect(resumed.code).toBe(0);
    expect(await count(env, 'users_c_f', 'from users')).toBe(moved);
    const completed = await reshardCommand(env, ['users', 'complete']);
    expect(completed.code).toBe(0);
    expect(await count(env, 'users_9_f', `from users where ${MOVED}`)).toBe(0);
    expect(await count(env, 'users_9_f', 'from users')).toBe(3000 - moved);
    expect(await leftovers(env, 'users_9_f')).toBe(0);
    expect(await leftovers(env, 'users_c_f')).toBe(0);
  });
});

describe('a resharding killed with SIGKILL during the catch-up', () => {
  const seeded = seededUsers();

  /**
   * A split killed on the catch-up's first progress line: every moving user is changed as soon
   * as capture is on, so the catch-up has one change per moving user to apply, 5 a round (the
   * copy may already have copied the new value: the catch-up applies it again, harmlessly).
   * Returns the command's `status` afterwards.
   */
  async function killedInCatchUp(name: string): Promise<string> {
    const { env } = seeded;
    const out = await killSplitWhen(env, /catch up: \d+ changes applied so far, lag \d+ changes/, {
      when: /prepare: /,
      run: () => sql(env, 'users_9_f', `update users set display_name = $1 where ${MOVED}`, [name]),
    });
    expect(out).toMatch(/copy: \d+ rows in/);
    expect(out).not.toMatch(/verify: /);
    return (await reshardCommand(env, ['users', 'status'])).out;
  }

  /** Writes to the moving range while no command runs: a new user, a changed one and a deleted one. */
  async function writeWhileStopped(): Promise<{ added: string; changed: string; deleted: string }> {
    const { env } = seeded;
    const [changed, deleted] = (
      await sql<{ id: string }>(env, 'users_9_f', `select id from users where ${MOVED} order by id limit 2`)
    ).map((r) => r.id);
    const [added] = await sql<{ id: string }>(
      env,
      'users_9_f',
      `insert into users (id, email, display_name, password_hash)
       values (('c1' || substr(gen_random_uuid()::text, 3))::uuid, $1, 'Added', 'x') returning id::text as id`,
      [`added-${Date.now()}@example.test`],
    );
    await sql(env, 'users_9_f', `update users set display_name = 'After the kill' where id = $1`, [changed]);
    await sql(env, 'users_9_f', `delete from users where id = $1`, [deleted]);
    return { added: added!.id, changed: changed!, deleted: deleted! };
  }

  test('when it is aborted afterwards, then the old layout is whole and nothing is left behind', async () => {
    const { env } = seeded;
    const status = await killedInCatchUp('Aborted');
    expect(status).toMatch(/next phase catch-up, \d+ rows copied, [1-9]\d* changes waiting/);
    const { added, deleted } = await writeWhileStopped();
    const { code, out } = await reshardCommand(env, ['users', 'abort']);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(await count(env, 'users_9_f', 'from users')).toBe(3000);
    expect(
      await count(env, 'users_9_f', `from users where id in ('${added}') and display_name = 'Added'`),
    ).toBe(1);
    expect(await count(env, 'users_9_f', `from users where id = '${deleted}'`)).toBe(0);
    await expectNothingLeftBehind(env);
  });

  test('when it is resumed afterwards, then it finishes, verified, nothing is lost, and complete leaves each row once', async () => {
    const { env, moved } = seeded;
    const total = await count(env, 'users_9_f', 'from users');
    await killedInCatchUp('Resumed');
    const { added, changed, deleted } = await writeWhileStopped();
    const resumed = await reshardCommand(env, ['users', 'resume']);
    expect(resumed.out).toMatch(/verify: \d+ rows in \d+ sub-ranges match/);
    expect(resumed.out).not.toMatch(/reshard: /);
    expect(resumed.code).toBe(0);
    const completed = await reshardCommand(env, ['users', 'complete']);
    expect(completed.code).toBe(0);
    // Each row once: the moved ones only on the new shard, with their last values.
    expect(await count(env, 'users_9_f', `from users where ${MOVED}`)).toBe(0);
    expect(
      (await count(env, 'users_9_f', 'from users')) + (await count(env, 'users_c_f', 'from users')),
    ).toBe(total);
    expect(await count(env, 'users_c_f', 'from users')).toBe(moved);
    expect(await count(env, 'users_c_f', `from users where display_name = 'Resumed'`)).toBe(moved - 2);
    expect(
      await count(env, 'users_c_f', `from users where id = '${changed}' and display_name = 'After the kill'`),
    ).toBe(1);
    expect(await count(env, 'users_c_f', `from users where id = '${added}' and display_name = 'Added'`)).toBe(
      1,
    );
    expect(await count(env, 'users_c_f', `from users where id = '${deleted}'`)).toBe(0);
    expect(await leftovers(env, 'users_9_f')).toBe(0);
    expect(await leftovers(env, 'users_c_f')).toBe(0);
  });
});

describe('a resharding stopped with its range fenced, or over its switch budget', () => {
  let env: TestEnv;
  let svc: InProcessService;
  const stores: ControlStore[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    await seedUsers(env, 300);
    svc = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
    await svc.ctx.shardMap.start();
  });

  afterAll(async () => {
    await svc?.close();
    await Promise.all(stores.map((s) => s.close()));
    await env?.cleanup();
  });

  async function kit(options: Parameters<typeof resharderFor>[1] = {}) {
    const made = await resharderFor(env, options);
    stores.push(made.store);
    return made.resharder;
  }

  /** Signs users up until one lands in c0-ff; returns it and how long its request took. */
  async function signUpMoved(): Promise<{ id: string; ms: number; statuses: number[] }> {
    const statuses: number[] = [];
    for (;;) {
      const started = Date.now();
      const res = await request(svc.app)
        .post('/api/users')
        .send({ email: uniqueEmail('fenced'), password: 'correct horse', displayName: 'F' });
      statuses.push(res.status);
      if (res.status === 201 && bucket(res.body.id) >= 0xc0)
        return { id: res.body.id, ms: Date.now() - started, statuses };
    }
  }

  /** A split that stops right after verify, then the state a kill just after the fence leaves: fenced, not published. */
  async function fencedAndKilled(): Promise<void> {
    const stopAfterVerify = await kit({
      afterPhase: async (_job, done) => {
        if (done === 'verify') throw new ReshardError('killed');
      },
    });
    await expect(stopAfterVerify.split('users', RANGE, 0xc0)).rejects.toThrow('killed');
    await sql(env, 'users_9_f', `update boxoffice_reshard set fenced_version = $1`, [
      svc.ctx.router.version + 1,
    ]);
  }

  test('when the switch cannot finish within its budget, then it unfences and writes to the range flow on the old layout', async () => {
    const tooShort = await kit({ switchBudgetMs: 0 });
    await expect(tooShort.split('users', RANGE, 0xc0)).rejects.toThrow(
      /switch abandoned, writes unfenced, still on the old layout/,
    );
    expect(await sql(env, 'users_9_f', 'select fenced_version from boxoffice_reshard')).toEqual([
      { fenced_version: null },
    ]);
    const user = await signUpMoved();
    expect(user.statuses.every((s) => s === 201)).toBe(true);
    expect(await count(env, 'users_9_f', `from users where id = '${user.id}'`)).toBe(1);
    expect(svc.ctx.router.version).toBe(0);
    await (await kit()).abort('users');
  });

  test('when killed right after the fence and resumed, then a write held by the fence lands on the new shard', async () => {
    await fencedAndKilled();
    const resharder = await kit();
    const refusals: number[] = [];
    const reload = svc.ctx.dbs.onFenced!;
    svc.ctx.dbs.onFenced = (version) => {
      refusals.push(version);
      return reload(version);
    };
    const held = signUpMoved();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await resharder.resume('users');
    const user = await held;
    svc.ctx.dbs.onFenced = reload;
    expect(refusals.length).toBeGreaterThan(0);
    expect(user.statuses.every((s) => s === 201)).toBe(true);
    expect(await count(env, 'users_c_f', `from users where id = '${user.id}'`)).toBe(1);
    expect(svc.ctx.router.version).toBe(1);
    await resharder.abort('users');
    expect(svc.ctx.router.version).toBe(2);
    expect(await count(env, 'users_9_f', `from users where id = '${user.id}'`)).toBe(1);
  });

  test('when killed right after the fence and aborted, then writes to the range flow again on the old shard', async () => {
    await fencedAndKilled();
    await (await kit()).abort('users');
    const user = await signUpMoved();
    expect(user.statuses.every((s) => s === 201)).toBe(true);
    expect(await count(env, 'users_9_f', `from users where id = '${user.id}'`)).toBe(1);
    expect(await leftovers(env, 'users_9_f')).toBe(0);
    expect(await targetExists(env)).toBe(false);
  });
});
