import request from 'supertest';
import type { Knex } from 'knex';
import { IDENTITY_HEADER, newId, signIdentity } from '@boxoffice/platform';
import { buildEventsDeps, createEventsApp } from '../../services/events/src';
import {
  InProcessService,
  TEST_INTERNAL_KEY,
  TestEnv,
  buildServiceInProcess,
  createTestEnv,
  expectDocumented,
} from '../support';

/** A gateway-signed identity for `userId`, as the gateway would forward it. */
export function identityOf(userId: string): Record<string, string> {
  return { [IDENTITY_HEADER]: signIdentity(userId, [TEST_INTERNAL_KEY]) };
}

/** A valid POST /api/events body, `days` from now. */
export function newEventBody(overrides: Record<string, unknown> = {}, days = 30): Record<string, unknown> {
  return {
    title: `Concert ${newId().slice(0, 8)}`,
    venue: 'The Hex Hall',
    startsAt: new Date(Date.now() + days * 86_400_000).toISOString(),
    capacity: 100,
    description: 'A night of sharded music.',
    ...overrides,
  };
}

export interface CallOptions {
  userId?: string;
  /** A value to send as JSON, or a string sent as-is with content-type application/json. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Method = 'GET' | 'POST' | 'PATCH';

/** The events service in this process, with a client that checks every response against OpenAPI. */
export interface EventsHarness {
  env: TestEnv;
  service: InProcessService;
  call(method: Method, url: string, options?: CallOptions): Promise<request.Response>;
  /** Creates an event as `userId` and returns its body; fails the test on anything but 201. */
  createEvent(userId: string, overrides?: Record<string, unknown>): Promise<EventBody>;
  close(): Promise<void>;
}

export interface EventBody {
  id: string;
  organizerId: string;
  title: string;
  startsAt: string;
  capacity: number;
  seatsSold: number;
  seatsAvailable: number;
  status: string;
  version: number;
  [field: string]: unknown;
}

/** Calls `app` and checks the response against the OpenAPI document. */
export async function callDocumented(
  app: InProcessService['app'],
  method: Method,
  url: string,
  options: CallOptions = {},
): Promise<request.Response> {
  const agent = request(app);
  let req = method === 'GET' ? agent.get(url) : method === 'POST' ? agent.post(url) : agent.patch(url);
  if (options.userId) req = req.set(identityOf(options.userId));
  if (options.headers) req = req.set(options.headers);
  if (typeof options.body === 'string') req = req.set('content-type', 'application/json').send(options.body);
  else if (options.body !== undefined) req = req.send(options.body as object);
  return expectDocumented(method, url, await req);
}

/**
 * A fresh events world: its own four migrated shard databases and cache prefix. `overrides`
 * change the service's configuration (e.g. TOPOLOGY_FILE, SHARD_TIMEOUT_MS).
 */
export async function startEvents(
  options: { env?: TestEnv; overrides?: Record<string, string> } = {},
): Promise<EventsHarness> {
  const env = options.env ?? (await createTestEnv({ services: ['events'] }));
  const service = buildServiceInProcess(
    'events',
    env,
    (ctx) => createEventsApp(ctx, buildEventsDeps(ctx)),
    options.overrides,
  );
  // The cache client connects lazily; connect now so the first lookups use it deterministically.
  await service.ctx.cache.connect().catch(() => undefined);
  const call = (method: Method, url: string, callOptions?: CallOptions) =>
    callDocumented(service.app, method, url, callOptions);
  return {
    env,
    service,
    call,
    async createEvent(userId, overrides = {}) {
      const res = await call('POST', '/api/events', { userId, body: newEventBody(overrides) });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as EventBody;
    },
    async close() {
      await service.close();
      if (!options.env) await env.cleanup();
    },
  };
}

/** Runs `work` on the shard database holding `id`, bypassing the service. */
export function onShardOf<T>(harness: EventsHarness, id: string, work: (db: Knex) => Promise<T>): Promise<T> {
  return harness.service.ctx.dbs.runForKey(id, (db) => work(db));
}
