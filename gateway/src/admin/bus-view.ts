import { type BusCounts, type BusStats, type TopicStats, busBackendOf } from '@boxoffice/bus';
import { BUS_DOWN_EFFECT } from './effects';
import { sumOfRates } from './rates';
import type { SamplePair } from './service-view';
import type { BusView, TopicView } from './topology-schema';

type BusKind = BusView['kind'];

/** The port a bus URL without one connects to (Redis, AMQP, AMQP over TLS). */
const DEFAULT_PORTS: Record<string, string> = {
  'redis:': '6379',
  'rediss:': '6379',
  'amqp:': '5672',
  'amqps:': '5671',
};

/** `host:port` of the bus, never its credentials. */
function busHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || DEFAULT_PORTS[parsed.protocol] || '?'}`;
  } catch {
    return '(invalid url)';
  }
}

/** The backend the URL names; the configuration refused any other scheme, so 'redis' is only a formality. */
function busKind(url: string): BusKind {
  try {
    return busBackendOf(url);
  } catch {
    return 'redis';
  }
}

/** The bus's check in /readyz, named after the instance's own backend (service-context.ts). */
const BUS_CHECKS = ['redis bus', 'rabbitmq bus'];

/** An instance's bus check, whichever backend it names. */
function busCheck(checks: Record<string, string>): string | undefined {
  return BUS_CHECKS.map((name) => checks[name]).find((c) => c !== undefined);
}

type CountField = 'published' | 'consumed' | 'redelivered';

/** Sums one counter over rows of a topic (and group, when given) of one instance's counts. */
function counter(
  rows: BusCounts[] | undefined,
  topic: string,
  field: CountField,
  group?: string,
): number | undefined {
  if (!rows) return undefined;
  return rows
    .filter((r) => r.topic === topic && (group === undefined || r.group === group))
    .reduce((sum, r) => sum + r[field], 0);
}

function topicView(stream: TopicStats, pairs: SamplePair[], seconds: number | null): TopicView {
  const counts = pairs.map((p) => ({
    current: p.current.stats?.busCounts,
    previous: p.previous?.stats?.busCounts,
  }));
  const rate = (field: CountField, group?: string) =>
    sumOfRates(counts, (rows) => counter(rows, stream.name, field, group), seconds);
  const counterGroups = new Set(
    pairs.flatMap((p) =>
      (p.current.stats?.busCounts ?? [])
        .filter((r) => r.topic === stream.name && r.group !== null)
        .map((r) => r.group!),
    ),
  );
  const streamGroups = new Map(stream.groups.map((g) => [g.name, g]));
  const names = [...new Set([...streamGroups.keys(), ...counterGroups])].sort();
  const groups = names.map((name) => {
    const g = streamGroups.get(name);
    // RabbitMQ does not tell the unacknowledged (pending: null): its backlog is the ready messages.
    const backlog = g ? (g.undelivered === null ? null : (g.pending ?? 0) + g.undelivered) : null;
    return {
      name,
      consumers: g?.consumers ?? 0,
      pending: g?.pending ?? null,
      undelivered: g?.undelivered ?? null,
      backlog: stream.delivery === 'at-most-once' ? 0 : backlog,
      lagMs: g?.oldestPendingMs ?? null,
      consumedPerSecond: rate('consumed', name),
    };
  });
  const backlogs = groups.map((g) => g.backlog);
  const lags = groups.map((g) => g.lagMs).filter((l): l is number => l !== null);
  return {
    name: stream.name,
    delivery: stream.delivery,
    partitions: stream.partitions,
    publishedPerSecond: rate('published'),
    consumedPerSecond: rate('consumed'),
    length: stream.length,
    backlog: backlogs.includes(null) ? null : backlogs.reduce<number>((a, b) => a + (b ?? 0), 0),
    lagMs: lags.length ? Math.max(...lags) : null,
    redeliveries: pairs.reduce(
      (sum, p) => sum + (counter(p.current.stats?.busCounts, stream.name, 'redelivered') ?? 0),
      0,
    ),
    redeliveriesPerSecond: rate('redelivered'),
    deadLetters: stream.deadLetters,
    groups,
  };
}

/**
 * Every topic of the reports, each group from the first report that has it. On Redis every
 * instance reads the same streams, so this is the first report; on RabbitMQ an instance can read
 * only the queues of groups it knows (its own subscriptions), so events' instances bring the
 * `events` groups and tickets' the `tickets` ones. Topic-wide figures are the largest reported
 * (the same queues or streams, read a moment apart).
 */
function mergedTopics(reports: BusStats[]): TopicStats[] {
  const topics = new Map<string, TopicStats>();
  for (const topic of reports.flatMap((r) => r.topics)) {
    const seen = topics.get(topic.name);
    if (!seen) {
      topics.set(topic.name, { ...topic, groups: [...topic.groups] });
      continue;
    }
    seen.length = Math.max(seen.length, topic.length);
    seen.deadLetters = Math.max(seen.deadLetters, topic.deadLetters);
    const names = new Set(seen.groups.map((g) => g.name));
    seen.groups.push(...topic.groups.filter((g) => !names.has(g.name)));
  }
  return [...topics.values()];
}

/** The bus and its topics, from the instances that read them, with rates over every instance. */
export function busView(busUrl: string, pairs: SamplePair[], seconds: number | null): BusView {
  const reports = pairs.map((p) => p.current.stats?.bus).filter((b): b is BusStats => b !== undefined);
  const up = reports.filter((b) => b.state === 'up');
  const report = up[0] ?? reports[0];
  const checks = pairs.map((p) => busCheck(p.current.readiness.checks)).filter((c) => c !== undefined);
  const state =
    report && report.state !== 'unknown'
      ? report.state
      : checks.length
        ? checks.includes('ok')
          ? 'up'
          : 'down'
        : 'unknown';
  return {
    kind: busKind(busUrl),
    state,
    reason: report?.reason ?? null,
    host: busHost(busUrl),
    effect: state === 'down' ? BUS_DOWN_EFFECT : null,
    topics: mergedTopics(up.length ? up : report ? [report] : []).map((t) => topicView(t, pairs, seconds)),
  };
}
