import { randomBytes } from 'node:crypto';
import { ApiClient, signUpAndIn } from '@boxoffice/devstack';
import { uniqueEmail } from '../support';
import { eventually } from './replica-cluster-kit';
import { ReplicaStack, readsCounted, startReplicaStack } from './replica-stack';

/** 1 s lag bound: the lag test pushes the replica 4 s behind, well past it. */
const MAX_LAG_MS = 1000;

let rs: ReplicaStack;

beforeAll(async () => {
  rs = await startReplicaStack({
    env: { CACHE_ENABLED: 'false', READ_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
  });
}, 300_000);

afterAll(async () => {
  await rs?.stop();
});

/** A browser signed up and in (the client throws unless POST /api/users answers 201 and the sign-in 200). */
async function signedUpBrowser(): Promise<ApiClient> {
  const browser = new ApiClient(rs.stack.gatewayUrl);
  await signUpAndIn(browser, { email: uniqueEmail('faults'), displayName: 'F' });
  return browser;
}

/** The users service's note on its replica in /readyz, and its status code. */
async function replicaReadiness(): Promise<{ status: number; note: string | undefined }> {
  const users = rs.stack.processes.find((p) => p.role === 'users')!;
  const res = await fetch(`${users.url}/readyz`);
  const body = (await res.json()) as {
    checks?: Record<string, string>;
    error?: { details: { checks: Record<string, string> } };
  };
  const checks = body.checks ?? body.error?.details.checks ?? {};
  return { status: res.status, note: checks[`replica 127.0.0.1:${rs.cluster.replicas[0]!.port}`] };
}

/** Writes and reads back in a loop until `stop()`: every status seen, and every stale read-back. */
function loadLoop(browser: ApiClient) {
  const statuses: number[] = [];
  const stale: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const name = `Load ${randomBytes(3).toString('hex')}`;
      statuses.push((await browser.request('PATCH', '/api/me', { displayName: name })).status);
      const me = await browser.get('/api/me');
      statuses.push(me.status);
      if ((me.body as { displayName?: string }).displayName !== name) stale.push(name);
      statuses.push((await browser.get('/api/events?limit=5')).status);
    }
  })();
  return {
    statuses,
    stale,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('replica faults, on a real streaming replica', () => {
  test('when the replica is killed mid-load, then nothing fails, /readyz stays 200 saying degraded, and it is used again once back', async () => {
    const loops = await Promise.all([signedUpBrowser(), signedUpBrowser(), signedUpBrowser()]).then((bs) =>
      bs.map(loadLoop),
    );
    const replica = rs.cluster.replicas[0]!;
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await rs.cluster.stopNode(replica, 'immediate');
      await eventually(
        'the users service reports its replica degraded',
        async () => (await replicaReadiness()).note?.startsWith('degraded: down') ?? false,
      );
      expect((await replicaReadiness()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500));
      await rs.cluster.startNode(replica);
      await eventually('the replica is ok again', async () => (await replicaReadiness()).note === 'ok');
      const before = await readsCounted(rs.stack, { target: 'replica' });
      await eventually(
        'reads reach the replica again',
        async () => (await readsCounted(rs.stack, { target: 'replica' })) > before,
      );
    } finally {
      await Promise.all(loops.map((l) => l.stop()));
    }
    const statuses = loops.flatMap((l) => l.statuses);
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(loops.flatMap((l) => l.stale)).toEqual([]);
    expect(await readsCounted(rs.stack, { target: 'primary', reason: 'replica_down' })).toBeGreaterThan(0);
  });

  test('when the replica falls further behind than the bound, then reads skip it and /readyz says how far behind', async () => {
    const replica = rs.cluster.replicas[0]!;
    const writer = loadLoop(await signedUpBrowser());
    try {
      await rs.cluster.setApplyDelay(replica, 4 * MAX_LAG_MS);
      await eventually('the users service reports its replica behind', async () =>
        /^degraded: .* behind/.test((await replicaReadiness()).note ?? ''),
      );
      expect((await replicaReadiness()).status).toBe(200);
      const anonymous = new ApiClient(rs.stack.gatewayUrl);
      const before = await readsCounted(rs.stack, { target: 'primary', reason: 'replica_lagging' });
      for (let i = 0; i < 3; i++) expect((await anonymous.get('/api/me/tickets')).status).toBe(401);
      for (let i = 0; i < 3; i++) expect((await anonymous.get('/api/events?limit=5')).status).toBe(200);
      expect(await readsCounted(rs.stack, { target: 'primary', reason: 'replica_lagging' })).toBeGreaterThan(
        before,
      );
    } finally {
      await rs.cluster.setApplyDelay(replica, 0);
      await writer.stop();
    }
    expect(writer.stale).toEqual([]);
    await eventually('the replica is ok again', async () => (await replicaReadiness()).note === 'ok');
  });
});
