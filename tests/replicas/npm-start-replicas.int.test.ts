import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, portIsFree, signUpAndIn } from '@boxoffice/devstack';
import { TestEnv, createTestEnv, uniqueEmail } from '../support';
import { NpmStart, freePortBase, runNpmStart } from '../support/npm-start-kit';
import { counterSum } from './replica-stack';

/**
 * `REPLICAS=1 npm start`, the way a user runs it: the command makes its own primary and streaming
 * replica (initdb, pg_basebackup -R) under its state folder, the services read from the replica,
 * a writer reads their own write, and Ctrl-C stops the Postgres servers it started too.
 */
let env: TestEnv;
let stateDir: string;
let base: number;
let run: NpmStart | undefined;

beforeAll(async () => {
  env = await createTestEnv({ migrate: false });
  base = await freePortBase();
  stateDir = mkdtempSync(join(tmpdir(), 'bo-start-replicas-'));
  chmodSync(stateDir, 0o755); // the replica cluster's servers run as postgres, inside it
});

afterAll(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGINT');
    await run.exited;
  }
  rmSync(stateDir, { recursive: true, force: true });
  await env?.cleanup();
});

/** The Postgres ports the command printed: "every shard on the local primary postgres://…@127.0.0.1:P/…, streaming to …". */
function clusterPorts(output: string): number[] {
  const line = output.split('\n').find((l) => l.startsWith('every shard on the local primary'));
  if (!line) throw new Error(`no replica line in:\n${output}`);
  return [...line.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

describe('REPLICAS=1 npm start', () => {
  test('when started with a replica, then reads go to it, a writer reads their own write, and Ctrl-C stops its servers', async () => {
    run = runNpmStart(
      {
        ...env.env,
        REPLICAS: '1',
        BOXOFFICE_STATE_DIR: stateDir,
        // A replay delay longer than a write-then-read: only pinning to the primary shows the write.
        REPLICA_APPLY_DELAY_MS: '800',
        CACHE_ENABLED: 'false',
        READY_TIMEOUT_MS: '100000',
      },
      base,
    );
    await run.waitFor(/Boxoffice is up/, 200_000);
    const ports = clusterPorts(run.output());
    expect(ports).toHaveLength(2); // the primary and one replica

    const gatewayUrl = `http://127.0.0.1:${base}`;
    const browser = new ApiClient(gatewayUrl, { positions: true });
    // Throws unless POST /api/users answers 201 and POST /api/sessions 200.
    await signUpAndIn(browser, { email: uniqueEmail('start-replicas'), displayName: 'Before' });
    expect((await browser.request('PATCH', '/api/me', { displayName: 'After' })).status).toBe(200);
    const me = await browser.request('GET', '/api/me');
    expect(me.status).toBe(200);
    expect((me.body as { displayName: string }).displayName).toBe('After');

    // Anonymous listings may use the replica once it is fresh enough; the services poll its position.
    const usersMetrics = `http://127.0.0.1:${base + 100}/metrics`;
    const eventsMetrics = `http://127.0.0.1:${base + 200}/metrics`;
    const deadline = Date.now() + 30_000;
    let replicaReads = 0;
    while (replicaReads === 0 && Date.now() < deadline) {
      expect((await fetch(`${gatewayUrl}/api/events?limit=5`)).status).toBe(200);
      const page = await (await fetch(eventsMetrics)).text();
      replicaReads = counterSum(page, 'db_reads_total', { target: 'replica' });
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(replicaReads).toBeGreaterThan(0);
    // The profile read right after the write went to the primary, because of the writer's position.
    const users = await (await fetch(usersMetrics)).text();
    expect(counterSum(users, 'db_reads_total', { target: 'primary' })).toBeGreaterThan(0);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    for (const port of [base, base + 100, base + 200, base + 300, ...ports]) {
      expect(await portIsFree(port)).toBe(true);
    }
  }, 240_000); // initdb and pg_basebackup, then the whole stack, on a loaded machine
});
