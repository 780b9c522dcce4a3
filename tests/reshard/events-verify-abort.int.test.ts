import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ControlStore, ReshardError } from '@boxoffice/reshard';
import { TestEnv, createTestEnv } from '../support';
import { resharderFor, seedEvents, sql } from './reshard-kit';

const ROOT = join(__dirname, '../..');
const RANGE = { lo: 0x90, hi: 0xff };

const count = async (env: TestEnv, database: string, text: string) =>
  (await sql<{ n: number }>(env, database, `select count(*)::int as n ${text}`))[0]!.n;

describe('resharding the events service: verify, abort, what moves with an event', () => {
  let env: TestEnv;
  let store: ControlStore;
  const stores: ControlStore[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ services: ['events'] });
    await seedEvents(env, 400);
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await env?.cleanup();
  });

  test('when a row differs on the target after the catch-up, then verify stops the split naming the row, and abort leaves the old layout', async () => {
    let tampered = '';
    const kit = await resharderFor(env, {
      afterPhase: async (_job, done) => {
        if (done !== 'catch-up') return;
        const [row] = await sql<{ id: string }>(
          env,
          'events_c_f',
          `select id::text as id from events order by id limit 1`,
        );
        tampered = row!.id;
        // Past the target's own fence (it takes writes only from the copy until the switch).
        await sql(
          env,
          'events_c_f',
          `set session_replication_role = replica; update events set title = 'Tampered' where id = '${tampered}'`,
        );
      },
    });
    store = kit.store;
    stores.push(store);
    const failure = await kit.resharder.split('events', RANGE, 0xc0).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(ReshardError);
    expect((failure as Error).message).toContain(`events ["${tampered}"]: different on the target`);
    expect(await store.latest('events')).toBeUndefined(); // nothing published
    expect(await store.job('events')).toMatchObject({ phase: 'verify' });

    await kit.resharder.abort('events');
    expect(await store.job('events')).toBeUndefined();
    expect(await count(env, 'events_9_f', `from pg_trigger where tgname like 'boxoffice_reshard%'`)).toBe(0);
    expect(await count(env, 'events_9_f', `from pg_database where datname = '${env.prefix}events_c_f'`)).toBe(
      0,
    );
    expect(await count(env, 'events_9_f', 'from events')).toBe(400);
  });

  test('when split and completed, then seat reservations move with their events and the inbox is on both sides', async () => {
    const { resharder, store: second } = await resharderFor(env);
    stores.push(second);
    await resharder.split('events', RANGE, 0xc0);
    const moved = await count(
      env,
      'events_9_f',
      `from events where id >= 'c0000000-0000-0000-0000-000000000000'`,
    );
    expect(moved).toBeGreaterThan(0);
    expect(await count(env, 'events_c_f', 'from events')).toBe(moved);
    expect(await count(env, 'events_c_f', 'from seat_reservations')).toBe(2 * moved);
    expect(await count(env, 'events_c_f', 'from processed_messages')).toBe(20);

    await resharder.complete('events');
    expect(
      await count(
        env,
        'events_9_f',
        `from seat_reservations where event_id >= 'c0000000-0000-0000-0000-000000000000'`,
      ),
    ).toBe(0);
    expect(await count(env, 'events_9_f', 'from events')).toBe(400 - moved);
    expect(await count(env, 'events_c_f', 'from seat_reservations')).toBe(2 * moved);
    expect(await count(env, 'events_c_f', `from pg_proc where proname = 'boxoffice_reshard_row'`)).toBe(0);
  });

  test.each([
    [['nope', 'split', '90-ff', 'at', 'c0'], /unknown service "nope"/],
    [['users', 'split', '9g-ff', 'at', 'c0'], /"9g-ff" is not a bucket range/],
    [['users', 'split', '90-ff', 'at', 'c'], /"c" is not a bucket/],
    [['users', 'split', '90-ff', 'at', '20'], /split point 20 is outside 90-ff/],
    [['users', 'split', '90-ff', 'at', '90'], /split point 90 is outside 90-ff/],
    [['users', 'shuffle'], /unknown command "shuffle"/],
    [[], /name a service or "all"/],
  ])(
    'when the command gets %j, then it says what is wrong and exits 2 without a stack trace',
    async (args, message) => {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          join(ROOT, 'node_modules/.bin/tsx'),
          ['scripts/reshard.ts', ...args],
          { cwd: ROOT, env: { ...process.env, ...env.env } },
          (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
        );
      });
      expect(stderr).toMatch(message);
      expect(stderr).toContain('usage: npm run reshard');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    },
  );
});

describe('npm run reshard -- all', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/reshard.ts', ...args],
        { cwd: ROOT, env: { ...process.env, ...env.env } },
        (_err, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });

  test('when every service is split and then aborted, then each goes to five shards and back to four', async () => {
    const split = await run(['all', 'split', '90-ff', 'at', 'c0']);
    expect(split.code).toBe(0);
    for (const service of ['users', 'events', 'tickets']) {
      expect(split.stdout).toContain(`${service}: done: 5 shards at map version 1`);
    }
    const status = await run(['all', 'status']);
    expect(status.stdout).toContain('tickets: 90-ff → c0-ff');
    const abort = await run(['all', 'abort']);
    expect(abort.code).toBe(0);
    for (const service of ['users', 'events', 'tickets']) {
      expect(abort.stdout).toContain(`${service}: abort: back on 4 shards`);
    }
  });
});
