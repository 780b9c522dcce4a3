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

/** Starts a split and kills it with SIGKILL once its output matches `when`. */
async function killSplitWhen(env: TestEnv, when: RegExp): Promise<string> {
  const child = reshardProcess(env, ['users', 'split', '90-ff', 'at', 'c0']);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (when.test(out)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the split ended before it was killed:\n${out}`)));
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return out;
}

const count = async (env: TestEnv, database: string, text: string) =>
  (await sql<{ n: number }>(env, database, `select count(*)::int as n ${text}`))[0]!.n;
const leftovers = (env: TestEnv, database: string) =>
  count(env, database, `from pg_trigger where tgname like 'boxoffice_reshard%'`);
const targetExists = async (env: TestEnv) =>
  (await count(env, 'users_9_f', `from pg_database where datname = '${env.prefix}users_c_f'`)) === 1;

describe('a resharding killed with SIGKILL during the copy', () => {
  let env: TestEnv;
  let moved: number;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    await seedUsers(env, 3000);
    moved = await count(env, 'users_9_f', `from users where ${MOVED}`);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('when it is aborted afterwards, then the old layout is whole and nothing is left behind', async () => {
    await killSplitWhen(env, /copy users: \d+ rows/);
    const { code, out } = await reshardCommand(env, ['users', 'abort']);
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(await count(env, 'users_9_f', 'from users')).toBe(3000);
    expect(await leftovers(env, 'users_9_f')).toBe(0);
    expect(await count(env, 'users_9_f', `from pg_tables where tablename like 'boxoffice_reshard%'`)).toBe(0);
    expect(await targetExists(env)).toBe(false);
  });

  test('when it is resumed afterwards, then it finishes, verified, and complete leaves each row once', async () => {
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
