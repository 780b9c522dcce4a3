import type { BusCounts, BusStats, TopicStats } from '@boxoffice/shared';
import { BUS_DOWN_EFFECT } from './effects';
import { sumOfRates } from './rates';
import type { SamplePair } from './service-view';
import type { BusView, TopicView } from './topology-schema';

function redisHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(invalid url)';
  }
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

/** The bus and its topics, from the first instance that read the streams, with rates over every instance. */
export function busView(busUrl: string, pairs: SamplePair[], seconds: number | null): BusView {
  const reports = pairs.map((p) => p.current.stats?.bus).filter((b): b is BusStats => b !== undefined);
  const report = reports.find((b) => b.state === 'up') ?? reports[0];
  const checks = pairs.map((p) => p.current.readiness.checks['redis bus']).filter((c) => c !== undefined);
  const state =
    report && report.state !== 'unknown'
      ? report.state
      : checks.length
        ? checks.includes('ok')
          ? 'up'
          : 'down'
        : 'unknown';
  return {
    state,
    reason: report?.reason ?? null,
    host: redisHost(busUrl),
    effect: state === 'down' ? BUS_DOWN_EFFECT : null,
    topics: (report?.topics ?? []).map((t) => topicView(t, pairs, seconds)),
  };
}
