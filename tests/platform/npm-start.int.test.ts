import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, createTestEnv } from '../support';
import { freePortBase, runNpmStart } from '../support/npm-start-kit';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  let env: TestEnv;
  let base: number;
  let startEnv: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv({ migrate: false });
    base = await freePortBase();
    startEnv = {
      ...env.env,
      PORT_BASE: String(base),
      BOXOFFICE_STATE_DIR: mkdtempSync(join(tmpdir(), 'bo-start-')),
    };
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('when started, then it migrates, serves /readyz 200 through the gateway, refuses a second start, and Ctrl-C leaves nothing running', async () => {
    const run = runNpmStart(startEnv, base);
    try {
      await run.waitFor(/Boxoffice is up/);
      expect(run.output()).toMatch(/12 shards: 12 databases created/);
      expect(run.output()).toMatch(
        /users-1\s+\d+\s+http:\/\/127\.0\.0\.1:\d+\s+0_2 \(00-2f\), 3_5 \(30-5f\), 6_8 \(60-8f\), 9_f \(90-ff\)/,
      );
      const pids = [...run.output().matchAll(/^\S+-\d+\s+(\d+)\s+http|^gateway\s+(\d+)/gm)].map((m) =>
        Number(m[1] ?? m[2]),
      );
      expect(pids).toHaveLength(4);

      const ready = await fetch(`http://127.0.0.1:${base}/readyz`);
      expect(ready.status).toBe(200);
      const missing = await fetch(`http://127.0.0.1:${base}/api/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { code: 'not_found', message: 'No route for GET /api/nope' },
      });

      const second = runNpmStart(startEnv, base);
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Boxoffice is already running from this checkout \(pid \d+\)/);

      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopped; nothing left running');
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      // A failed run must not leave the stack behind for the next test: npm passes SIGTERM on.
      if (run.child.exitCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
  });

  test('when a port it needs is taken, then it exits 1 naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(base + 200, '127.0.0.1', r));
    try {
      const run = runNpmStart(startEnv, base);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`port ${base + 200} (for events-1) is taken by another process`);
    } finally {
      blocker.close();
    }
  });

  test('when the topology has a gap, then it refuses to start and names the gap', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'topology-')), 'gap.json');
    writeFileSync(
      file,
      JSON.stringify({
        services: {
          users: {
            shards: [
              { range: '00-2f', primary: 'postgres://postgres@127.0.0.1:5432/x_users_0_2' },
              { range: '60-ff', primary: 'postgres://postgres@127.0.0.1:5432/x_users_6_f' },
            ],
          },
        },
      }),
    );
    const run = runNpmStart({ ...startEnv, TOPOLOGY_FILE: file }, base);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('shard map for users has a gap: buckets 30-5f belong to no shard');
  });

  test('when Postgres is unreachable, then it fails fast saying how to get it', async () => {
    const run = runNpmStart({ ...startEnv, PG_URL: 'postgres://postgres@127.0.0.1:1' }, base);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PostgreSQL at postgres://postgres@127.0.0.1:1/postgres is not reachable');
    expect(run.output()).toContain('Start PostgreSQL');
  });
});
