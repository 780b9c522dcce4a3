import request from 'supertest';
import { topologySchema } from '../../gateway/src';
import { expectDocumented } from '../support';
import { REFUSED, fakeInstance, gatewayApp } from './admin-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /admin/api/topology', () => {
  test('when every instance is down, then each is drawn down with what the gateway does about it', async () => {
    const { app, close } = gatewayApp({});
    try {
      const res = await request(app).get('/admin/api/topology');
      expectDocumented('GET', '/admin/api/topology', res);
      const view = topologySchema.parse(res.body);
      expect(view.services.map((s) => s.name)).toEqual(['users', 'events', 'tickets']);
      for (const service of view.services) {
        expect(service.state).toBe('down');
        expect(service.effect).toMatch(/503 service_unavailable/);
        expect(service.instances).toEqual([expect.objectContaining({ url: REFUSED, state: 'down' })]);
        // The gateway's own topology is the outline: the talk's four ranges, state unknown.
        expect(service.shards.map((s) => `${s.range}:${s.state}`)).toEqual([
          '00-2f:unknown',
          '30-5f:unknown',
          '60-8f:unknown',
          '90-ff:unknown',
        ]);
      }
      expect(res.headers['cache-control']).toBe('no-store');
    } finally {
      await close();
    }
  });

  test('when a service has no entity cache, then its cache card says so instead of showing empty figures', async () => {
    const tickets = await fakeInstance('tickets', 'redis', { cached: false });
    const { app, close } = gatewayApp({ TICKETS_URLS: tickets.url });
    try {
      await request(app).get('/admin/api/topology').expect(200);
      await sleep(1100);
      const view = topologySchema.parse((await request(app).get('/admin/api/topology').expect(200)).body);
      const service = view.services.find((s) => s.name === 'tickets')!;
      expect(service.cache).toMatchObject({
        state: 'unused',
        effect: 'nothing is cached here: every read goes to its shard',
      });
    } finally {
      await close();
      await tickets.close();
    }
  });

  test('when two polls are a second apart, then rates, p99, hit ratio and shard states come from the instances', async () => {
    const users = await fakeInstance('users');
    const { app, close } = gatewayApp({ USERS_URLS: users.url });
    try {
      await request(app).get('/admin/api/topology').expect(200);
      await sleep(1100);
      const view = topologySchema.parse((await request(app).get('/admin/api/topology').expect(200)).body);
      const service = view.services.find((s) => s.name === 'users')!;
      const instance = service.instances[0]!;
      expect(instance).toMatchObject({ name: 'users@fake:1', state: 'up', pid: 4242 });
      // 50 requests between polls ~1.1 s apart; 90% under 5 ms, the rest under 50 ms.
      expect(instance.requestsPerSecond).toBeGreaterThan(10);
      expect(instance.requestsPerSecond).toBeLessThanOrEqual(50 / 1.1 + 0.1);
      expect(instance.p99Ms).toBeGreaterThan(5);
      expect(instance.p99Ms).toBeLessThanOrEqual(50);
      expect(service.cache).toMatchObject({ state: 'up', hitRatio: 0.9, lifetimeHitRatio: 0.9 });
      const [first, , , last] = service.shards;
      expect(first).toMatchObject({
        state: 'up',
        database: 'users_0_2',
        rowsTotal: 20,
        outboxUnsent: 0,
        effect: null,
      });
      expect(service.shards.map((s) => s.outboxUnsent)).toEqual([0, 1, 2, null]);
      expect(first!.queriesPerSecond).toBeGreaterThan(0);
      expect(last).toMatchObject({ state: 'down', effect: 'keys 90-ff: 503 shard_unavailable' });
      expect(service.state).toBe('degraded');
      const orders = view.bus.topics.find((t) => t.name === 'orders')!;
      expect(orders).toMatchObject({ backlog: 3, lagMs: 120, deadLetters: 1, length: 3 });
      expect(orders.publishedPerSecond).toBeGreaterThan(0);
    } finally {
      await close();
      await users.close();
    }
  });

  test('when the bus is RabbitMQ, then the JSON names it, with its port and the ready messages as backlog', async () => {
    const events = await fakeInstance('events', 'rabbitmq');
    const { app, close } = gatewayApp({
      EVENTS_URLS: events.url,
      BUS_URL: 'amqp://guest:rabbit-pass-w0rd@rabbit.internal',
    });
    try {
      const res = await request(app).get('/admin/api/topology').expect(200);
      expectDocumented('GET', '/admin/api/topology', res);
      const { bus } = topologySchema.parse(res.body);
      expect(bus).toMatchObject({ kind: 'rabbitmq', state: 'up', host: 'rabbit.internal:5672' });
      const orders = bus.topics.find((t) => t.name === 'orders')!;
      expect(orders).toMatchObject({ backlog: 3, lagMs: null, deadLetters: 1 });
      expect(orders.groups).toEqual([expect.objectContaining({ pending: null, backlog: 3 })]);
      expect(res.text).not.toContain('rabbit-pass-w0rd');
    } finally {
      await close();
      await events.close();
    }
  });

  test('when many clients ask at once, then every instance is polled once', async () => {
    const users = await fakeInstance('users');
    const { app, close } = gatewayApp({ USERS_URLS: users.url });
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => request(app).get('/admin/api/topology')),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(users.polls()).toBe(1);
    } finally {
      await close();
      await users.close();
    }
  });

  test('when the configuration holds passwords and keys, then the answer holds none of them', async () => {
    const { app, close } = gatewayApp({
      PG_URL: 'postgres://boxoffice:pg-pass-w0rd@db.internal:5432/postgres',
      REDIS_URL: 'redis://:redis-pass-w0rd@cache.internal:6379',
      SESSION_KEYS: 'session-key-never-shown-0123456789abcdef',
      INTERNAL_KEYS: 'internal-key-never-shown-0123456789abcdef',
      USERS_URLS: 'http://user:url-pass-w0rd@127.0.0.1:1',
    });
    try {
      const text = (await request(app).get('/admin/api/topology').expect(200)).text;
      for (const secret of [
        'pg-pass-w0rd',
        'redis-pass-w0rd',
        'session-key-never',
        'internal-key-never',
        'url-pass-w0rd',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).toContain('db.internal:5432');
      expect(text).toContain('cache.internal:6379');
    } finally {
      await close();
    }
  });

  test('when it is asked with POST, then it is a 404 and nothing is polled', async () => {
    const users = await fakeInstance('users');
    const { app, close } = gatewayApp({ USERS_URLS: users.url });
    try {
      const res = await request(app).post('/admin/api/topology').send({});
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(users.polls()).toBe(0);
    } finally {
      await close();
      await users.close();
    }
  });
});
