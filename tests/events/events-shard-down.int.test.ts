import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@boxoffice/platform';
import { formatBucketRange } from '@boxoffice/sharding';
import { TestEnv, createTestEnv } from '../support';
import { EventBody, EventsHarness, newEventBody, startEvents } from './events-test-kit';

/** A topology file for the env's events shards, with the 9_f shard's primary replaced. */
function topologyWithShard9At(env: TestEnv, primary: string): string {
  const shards = env.topology.services.events.shards.map((shard) => ({
    range: formatBucketRange(shard.range),
    primary: shard.name === '9_f' ? primary : shard.primary,
  }));
  const path = join(mkdtempSync(join(tmpdir(), 'boxoffice-topology-')), 'topology.json');
  writeFileSync(path, JSON.stringify({ services: { events: { shards } } }));
  return path;
}

/** An id on the 9_f shard (buckets 90–ff). */
const idOnShard9 = () => `9a${newId().slice(2)}`;

const SHARD_TIMEOUT_MS = 500;

/** Every 503 below is logged at error level by design; keep the test output readable. */
const QUIET = { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' };

// All four shards are migrated for real once; each harness then points 9_f elsewhere in its config.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv({ services: ['events'], env: QUIET });
});

afterAll(async () => {
  await env?.cleanup();
});

describe('with the 9_f events shard down (its Postgres refuses connections)', () => {
  let events: EventsHarness;
  const organizer = newId();
  let healthy: EventBody;

  beforeAll(async () => {
    const topology = topologyWithShard9At(env, 'postgres://postgres@127.0.0.1:1/gone');
    events = await startEvents({
      env,
      overrides: { TOPOLOGY_FILE: topology, SHARD_TIMEOUT_MS: String(SHARD_TIMEOUT_MS) },
    });
    // Creating lands on a random shard; keep the first that landed on a healthy one.
    for (let i = 0; i < 50 && !healthy; i++) {
      const res = await events.call('POST', '/api/events', { userId: organizer, body: newEventBody() });
      if (res.status === 201) healthy = res.body as EventBody;
    }
  });

  afterAll(async () => {
    await events?.close();
  });

  test('when creating events, then those whose id falls on 9_f get 503 shard_unavailable and the rest succeed', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 60 && statuses.size < 2; i++) {
      const res = await events.call('POST', '/api/events', { userId: organizer, body: newEventBody() });
      statuses.add(res.status);
      if (res.status === 503) {
        expect(res.body.error).toMatchObject({
          code: 'shard_unavailable',
          details: { service: 'events', shard: '9_f' },
        });
      } else {
        expect(res.status).toBe(201);
        expect(events.service.ctx.router.shardForKey(res.body.id).name).not.toBe('9_f');
      }
    }
    expect([...statuses].sort()).toEqual([201, 503]);
  });

  test('when reading and writing an event on a healthy shard, then it works normally', async () => {
    expect(healthy).toBeDefined();
    const read = await events.call('GET', `/api/events/${healthy.id}`);
    expect(read.status).toBe(200);
    const patched = await events.call('PATCH', `/api/events/${healthy.id}`, {
      userId: organizer,
      body: { title: 'Still here' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Still here');
  });

  test('when reading or writing an event on 9_f, then it is 503 shard_unavailable, not 404 or 500', async () => {
    const id = idOnShard9();
    const read = await events.call('GET', `/api/events/${id}`);
    expect(read.status).toBe(503);
    expect(read.body.error).toMatchObject({ code: 'shard_unavailable', details: { shard: '9_f' } });
    const patch = await events.call('PATCH', `/api/events/${id}`, {
      userId: organizer,
      body: { title: 'x' },
    });
    expect(patch.status).toBe(503);
    // The outage was not cached as "no such event".
    expect(await events.service.ctx.cache.exists(`${events.service.ctx.cacheKeyPrefix}event:${id}`)).toBe(0);
  });

  test('when listing, then the answer is a partial page naming 9_f, within the shard timeout', async () => {
    const started = Date.now();
    const res = await events.call('GET', '/api/events?limit=100');
    expect(Date.now() - started).toBeLessThan(SHARD_TIMEOUT_MS + 1000);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ partial: true, unavailableShards: ['9_f'] });
    expect(res.body.items.map((e: EventBody) => e.id)).toContain(healthy.id);
  });
});

describe('with the 9_f events shard hanging (it accepts connections and never answers)', () => {
  let events: EventsHarness;
  let blackHole: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    events = await startEvents({
      env,
      overrides: {
        TOPOLOGY_FILE: topologyWithShard9At(env, `postgres://postgres@127.0.0.1:${port}/hang`),
        SHARD_TIMEOUT_MS: String(SHARD_TIMEOUT_MS),
      },
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await events?.close();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  test('when listing, then it answers after the shard timeout with a partial page, never hangs', async () => {
    const started = Date.now();
    const res = await events.call('GET', '/api/events');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(SHARD_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(SHARD_TIMEOUT_MS + 1000);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ partial: true, unavailableShards: ['9_f'] });
  });

  // Regression: pg's connect timeout rejects with a plain Error('timeout expired'), which
  // isShardUnavailableError once missed, answering 500 internal_error instead of 503.
  test('when reading an event on 9_f, then it is 503 after the connect timeout', async () => {
    const res = await events.call('GET', `/api/events/${idOnShard9()}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('shard_unavailable');
  });
});
