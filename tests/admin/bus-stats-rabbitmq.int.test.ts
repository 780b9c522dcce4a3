/**
 * The topology page's bus figures on a RabbitMQ bus (the local broker, real Postgres and Redis):
 * a service's `/internal/stats?include=bus` reads the purchase topics' queues through its bus,
 * and the gateway's JSON draws them as RabbitMQ's.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createLogger, loadConfig } from '@boxoffice/platform';
import { type TopicStats } from '@boxoffice/bus';
import { PURCHASE_TOPICS, PURCHASE_TOPIC_OPTIONS, instanceStatsSchema } from '@boxoffice/contracts';
import {
  type ServiceContext,
  type ServiceName,
  createServiceApp,
  createServiceContext,
  serviceEnvSchema,
} from '@boxoffice/runtime';
import { topologySchema } from '../../gateway/src';
import { buildEventsDeps, createEventsApp } from '../../services/events/src';
import { type TestEnv, callerHeaders, createTestEnv } from '../support';
import { gatewayApp } from './admin-fixtures';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The events service's consumer group on `orders` and `tickets` (services/events/src/events). */
const EVENTS_GROUP = 'events';

let env: TestEnv;
const contexts: ServiceContext[] = [];
let events: ServiceContext;
let eventsServer: Server;
let eventsUrl: string;
let release: () => void = () => undefined;

function context(service: ServiceName, overrides: Record<string, string> = {}, withBus = true) {
  const config = loadConfig(serviceEnvSchema(0), { ...env.env, ...overrides });
  const ctx = createServiceContext(service, config, {
    logger: createLogger({ service, level: 'silent' }),
    ...(withBus ? { topics: PURCHASE_TOPIC_OPTIONS } : {}),
  });
  contexts.push(ctx);
  return ctx;
}

async function busStats(app: Parameters<typeof request>[0]) {
  const res = await request(app).get('/internal/stats?include=bus').set(callerHeaders()).expect(200);
  return instanceStatsSchema.parse(res.body).bus!;
}

beforeAll(async () => {
  env = await createTestEnv({ services: ['events'], env: { BUS_URL: RABBITMQ_URL } });
  events = context('events');
  const app = createEventsApp(events, buildEventsDeps(events));
  eventsServer = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => eventsServer.once('listening', resolve));
  eventsUrl = `http://127.0.0.1:${(eventsServer.address() as AddressInfo).port}`;

  // The events service's two subscriptions; the orders one holds its first message (prefetch 1),
  // so the three published after it wait, ready, in the partition queue.
  const bus = events.messaging!.bus;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await bus.subscribe(PURCHASE_TOPICS.orders, EVENTS_GROUP, () => gate, { batchSize: 1 });
  await bus.subscribe(PURCHASE_TOPICS.tickets, EVENTS_GROUP, () => undefined);
  for (let i = 0; i < 4; i++) {
    await bus.publish(PURCHASE_TOPICS.orders, 'one-event', { type: 'test.held', payload: i });
  }
});

afterAll(async () => {
  release();
  await new Promise((resolve) => eventsServer?.close(resolve));
  // Every step, even after one fails (the refused broker's bus may fail to close).
  for (const ctx of contexts) {
    for (const step of ctx.shutdownSteps) await Promise.resolve(step.close()).catch(() => undefined);
  }
  await env?.cleanup();
});

describe('the bus figures on RabbitMQ', () => {
  test('when a service on a RabbitMQ bus is asked for them, then the purchase topics are up with numeric backlogs', async () => {
    const bus = await busStats(eventsUrl);
    expect(bus.state).toBe('up');
    const byName = Object.fromEntries(bus.topics.map((t) => [t.name, t])) as Record<string, TopicStats>;
    expect(Object.keys(byName).sort()).toEqual(Object.keys(PURCHASE_TOPIC_OPTIONS).sort());
    expect(byName.orders!.groups).toEqual([
      { name: EVENTS_GROUP, consumers: 1, pending: null, undelivered: 3, oldestPendingMs: null },
    ]);
    expect(byName.tickets!.groups).toEqual([expect.objectContaining({ name: EVENTS_GROUP, undelivered: 0 })]);
    for (const topic of [byName.orders!, byName.seats!, byName.tickets!]) {
      expect(topic).toMatchObject({ delivery: 'at-least-once', partitions: 8, deadLetters: 0 });
      for (const group of topic.groups) expect(typeof group.undelivered).toBe('number');
    }
    expect(byName[PURCHASE_TOPICS.orderOutcomes]).toMatchObject({ delivery: 'at-most-once', groups: [] });
  });

  test('when the gateway polls that service, then its JSON names RabbitMQ, its port and the ready messages as backlog', async () => {
    const { app, close } = gatewayApp({
      EVENTS_URLS: eventsUrl,
      BUS_URL: RABBITMQ_URL,
      // The gateway signs its poll of /internal/stats with the service's key.
      INTERNAL_KEYS: env.env.INTERNAL_KEYS!,
    });
    try {
      const view = topologySchema.parse((await request(app).get('/admin/api/topology').expect(200)).body);
      expect(view.bus).toMatchObject({ kind: 'rabbitmq', state: 'up', host: '127.0.0.1:5672', effect: null });
      const orders = view.bus.topics.find((t) => t.name === PURCHASE_TOPICS.orders)!;
      expect(orders).toMatchObject({ backlog: 3, lagMs: null });
      expect(orders.groups).toEqual([
        expect.objectContaining({ name: EVENTS_GROUP, pending: null, backlog: 3, lagMs: null }),
      ]);
      expect(JSON.stringify(view)).not.toContain('guest:guest');
    } finally {
      await close();
    }
  });

  test('when a service has no bus of its own (users), then it leaves the figures to the others', async () => {
    const users = context('users', {}, false);
    const bus = await busStats(createServiceApp(users, () => undefined));
    expect(bus).toMatchObject({ state: 'unknown', topics: [] });
    expect(bus.reason).toMatch(/no bus of its own/);
  });

  test('when the broker does not answer, then the bus is down with the driver’s reason and no password', async () => {
    const away = context('events', { BUS_URL: 'amqp://guest:never-shown@127.0.0.1:1' });
    const bus = await busStats(createServiceApp(away, () => undefined));
    expect(bus).toMatchObject({ state: 'down', topics: [] });
    expect(bus.reason).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(bus)).not.toContain('never-shown');
  });
});
