import { Client } from 'pg';
import { ApiClient, signUpAndIn } from '@boxoffice/devstack';
import { uniqueEmail } from '../support';
import { eventually } from './replica-cluster-kit';
import { ReplicaStack, readsCounted, startReplicaStack } from './replica-stack';

/**
 * The primary stopped, its streaming replica up, the cache on (the default): an anonymous event
 * page that misses the cache is answered by the replica (a cache fill reads the primary, and falls
 * back to a replica the reader may read only when the primary cannot be reached) and is not
 * stored in the cache; a reader whose own write the replica has not replayed gets a 503, not the
 * older copy; a write gets a 503 JSON error at once. The lag bound is 60 s and the replica replays
 * 20 s behind once the test sets it, so "not replayed yet" lasts the whole test and only pinning
 * keeps the writer off the replica.
 */
let rs: ReplicaStack;
let primaryStopped = false;

beforeAll(async () => {
  rs = await startReplicaStack({ env: { READ_REPLICA_MAX_LAG_MS: '60000' } });
}, 300_000);

afterAll(async () => {
  // The stack's teardown drops its databases on the primary: start it again first.
  if (primaryStopped) await rs?.cluster.startNode(rs.cluster.primary);
  await rs?.stop();
}, 120_000);

/** Waits until the replica has replayed everything the primary had written when this was called. */
async function replicaCaughtUp(): Promise<void> {
  const ask = async (url: string, sql: string, values: unknown[] = []) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows[0] as Record<string, unknown>;
    } finally {
      await client.end();
    }
  };
  const { lsn } = await ask(rs.cluster.primary.url, 'select pg_current_wal_lsn()::text as lsn');
  await eventually('the replica replayed the primary', async () => {
    const row = await ask(
      rs.cluster.replicas[0]!.url,
      'select pg_last_wal_replay_lsn() >= $1::pg_lsn as done',
      [lsn],
    );
    return row.done === true;
  });
}

interface EventBody {
  id: string;
  title: string;
  version: number;
}
interface ErrorBody {
  error: { code: string; message: string };
}

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

describe('a shard whose primary is down, with its replica up', () => {
  test('when the primary stops, then anonymous pages come from the replica uncached, a pinned reader and writes get a quick 503', async () => {
    const organizer = new ApiClient(rs.stack.gatewayUrl);
    await signUpAndIn(organizer, { email: uniqueEmail('down'), displayName: 'Organizer' });
    const create = async (title: string) =>
      (
        await organizer.expect<EventBody>([201], 'POST', '/api/events', {
          title,
          venue: 'Hall',
          startsAt: tomorrow(),
          capacity: 10,
        })
      ).body;
    const [read, edited] = [await create('Read while down'), await create('Before the edit')];
    await replicaCaughtUp();
    // From now on the replica replays 20 s late: the edit below is on the primary only.
    await rs.cluster.setApplyDelay(rs.cluster.replicas[0]!, 20_000);
    const edit = await organizer.request<EventBody>('PATCH', `/api/events/${edited.id}`, {
      title: 'After the edit',
    });
    expect(edit.status).toBe(200);

    await rs.cluster.stopNode(rs.cluster.primary, 'immediate');
    primaryStopped = true;
    const anonymous = new ApiClient(rs.stack.gatewayUrl);
    const fromReplica = () => readsCounted(rs.stack, { target: 'replica', reason: 'primary_down' });

    // Twice, and the replica answers both: the first answer was not stored in the cache.
    const before = await fromReplica();
    for (let i = 0; i < 2; i++) {
      const page = await anonymous.get<EventBody>(`/api/events/${read.id}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ id: read.id, title: 'Read while down' });
    }
    expect((await fromReplica()) - before).toBe(2);

    // An anonymous reader may get the replica's older copy (within the 60 s bound)…
    expect((await anonymous.get<EventBody>(`/api/events/${edited.id}`)).body).toMatchObject({
      title: 'Before the edit',
    });
    // …the organizer, whose edit the replica has not replayed, gets a 503 rather than that copy.
    const own = await organizer.get<ErrorBody>(`/api/events/${edited.id}`);
    expect(own.status).toBe(503);
    expect(own.body.error.code).toBe('shard_unavailable');

    // A write to the stopped primary is refused with a 503 JSON error, quickly.
    const began = performance.now();
    const write = await organizer.request<ErrorBody>('PATCH', `/api/events/${read.id}`, { title: 'Lost' });
    const tookMs = performance.now() - began;
    expect(write.status).toBe(503);
    expect(write.headers.get('content-type')).toMatch(/application\/json/);
    expect(write.body.error.code).toBe('shard_unavailable');
    expect(tookMs).toBeLessThan(2000);
  });
});
