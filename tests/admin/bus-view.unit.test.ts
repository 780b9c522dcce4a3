import type { BusStats } from '@boxoffice/bus';
import type { InstanceStats } from '@boxoffice/contracts';
import { busView, topologySchema } from '../../gateway/src';

type Pairs = Parameters<typeof busView>[1];

const RABBIT_URL = 'amqp://guest:guest@rabbit.internal';

/** One instance's sample: its /readyz checks and, when given, its `?include=bus` answer. */
function instance(url: string, checks: Record<string, string>, bus?: BusStats): Pairs[number] {
  const stats: InstanceStats = {
    service: 'events',
    instance: `events@${url}`,
    pid: 1,
    uptimeSeconds: 1,
    http: { count: 0, buckets: [] },
    cache: null,
    shardQueries: {},
    busCounts: [],
    ...(bus ? { bus } : {}),
  };
  const ready = Object.values(checks).every((c) => c === 'ok');
  return {
    current: {
      url,
      readiness: { state: ready ? 'up' : 'not_ready', reason: null, checks },
      stats,
    },
    previous: undefined,
  };
}

/** What a RabbitMQ bus reports for one consuming group of one topic: ready messages only. */
function rabbitReport(topic: string, group: string, ready: number): BusStats {
  return {
    state: 'up',
    topics: [
      {
        name: topic,
        delivery: 'at-least-once',
        partitions: 8,
        length: ready,
        deadLetters: 0,
        groups: [{ name: group, consumers: 2, pending: null, undelivered: ready, oldestPendingMs: null }],
      },
    ],
  };
}

const noFigures: BusStats = { state: 'unknown', reason: 'no bus of its own', topics: [] };

/** The bus part of the page's JSON, checked against its schema. */
function view(url: string, pairs: Pairs) {
  return topologySchema.shape.bus.parse(busView(url, pairs, 1));
}

describe('the bus on the topology page', () => {
  test('when the instances answer the rabbitmq bus check, then the bus is up on RabbitMQ’s port', () => {
    const bus = view(RABBIT_URL, [
      instance('a', { 'redis cache': 'ok', 'rabbitmq bus': 'ok' }, noFigures),
      instance('b', { 'redis cache': 'ok', 'rabbitmq bus': 'ok' }),
    ]);
    expect(bus).toMatchObject({ kind: 'rabbitmq', state: 'up', host: 'rabbit.internal:5672', effect: null });
    expect(JSON.stringify(bus)).not.toContain('guest');
  });

  test('when the rabbitmq bus check fails everywhere, then the bus is down with what the system does', () => {
    const bus = view(RABBIT_URL, [
      instance('a', { 'rabbitmq bus': 'connect ECONNREFUSED 10.0.0.9:5672' }, noFigures),
    ]);
    expect(bus.state).toBe('down');
    expect(bus.effect).toMatch(/outbox rows wait/);
  });

  test('when the URL names a port or TLS, then the host says that port; a Redis bus keeps 6379', () => {
    expect(view('amqp://rabbit.internal:5673', []).host).toBe('rabbit.internal:5673');
    expect(view('amqps://u:p@rabbit.internal', [])).toMatchObject({
      kind: 'rabbitmq',
      host: 'rabbit.internal:5671',
    });
    const redis = view('redis://:secret@bus.internal', [instance('a', { 'redis bus': 'ok' })]);
    expect(redis).toMatchObject({ kind: 'redis', state: 'up', host: 'bus.internal:6379' });
  });

  test('when each service reports the groups it consumes, then every group is drawn with its ready messages', () => {
    const bus = view(RABBIT_URL, [
      instance('users', { 'redis cache': 'ok' }, noFigures),
      instance('events', { 'rabbitmq bus': 'ok' }, rabbitReport('orders', 'events', 4)),
      instance('tickets', { 'rabbitmq bus': 'ok' }, rabbitReport('seats', 'tickets', 2)),
    ]);
    expect(bus.state).toBe('up');
    expect(bus.topics.map((t) => [t.name, t.backlog, t.lagMs])).toEqual([
      ['orders', 4, null],
      ['seats', 2, null],
    ]);
    // Pending is unknown on RabbitMQ: null, never a made-up 0; the backlog is the ready messages.
    expect(bus.topics[0]!.groups).toEqual([
      expect.objectContaining({ name: 'events', consumers: 2, pending: null, backlog: 4, lagMs: null }),
    ]);
  });

  test('when two instances of one service report the same group, then it is drawn once, from the first', () => {
    const bus = view(RABBIT_URL, [
      instance('events-1', { 'rabbitmq bus': 'ok' }, rabbitReport('orders', 'events', 4)),
      instance('events-2', { 'rabbitmq bus': 'ok' }, rabbitReport('orders', 'events', 6)),
    ]);
    expect(bus.topics).toHaveLength(1);
    expect(bus.topics[0]).toMatchObject({ backlog: 4, length: 6 });
    expect(bus.topics[0]!.groups.map((g) => g.name)).toEqual(['events']);
  });
});
