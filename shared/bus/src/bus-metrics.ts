import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Returns the metric already registered under `name`, or registers a new one. Two buses may share a registry. */
export function registerOnce<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** A source of backlog figures, read when the registry is scraped. */
export type BacklogProbe = () => Promise<{ topic: string; group: string; backlog: number }[]>;

/** Backlog sources per registry: every bus sharing a registry reports through its one gauge. */
const probesByRegistry = new WeakMap<Registry, Set<BacklogProbe>>();

/** The bus's metrics on a caller's registry; without a registry they are kept on a private one. */
export class BusMetrics {
  readonly published: Counter<'topic'>;
  readonly rejected: Counter<'topic'>;
  readonly consumed: Counter<'topic' | 'group'>;
  readonly failed: Counter<'topic' | 'group'>;
  readonly redelivered: Counter<'topic' | 'group'>;
  readonly deadLettered: Counter<'topic' | 'group'>;
  readonly lag: Histogram<'topic' | 'group'>;
  private readonly probes: Set<BacklogProbe>;

  constructor(registry: Registry = new Registry()) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      registerOnce(registry, name, () => new Counter<L>({ name, help, labelNames, registers: [registry] }));
    this.published = counter('bus_messages_published_total', 'Messages accepted by the bus', ['topic']);
    this.rejected = counter('bus_publish_rejected_total', 'Publishes refused because the topic was full', [
      'topic',
    ]);
    this.consumed = counter('bus_messages_consumed_total', 'Messages handled successfully', [
      'topic',
      'group',
    ]);
    this.failed = counter('bus_handler_failures_total', 'Handler attempts that threw', ['topic', 'group']);
    this.redelivered = counter('bus_messages_redelivered_total', 'Deliveries after the first', [
      'topic',
      'group',
    ]);
    this.deadLettered = counter(
      'bus_messages_dead_lettered_total',
      'Messages moved to a dead-letter stream',
      ['topic', 'group'],
    );
    this.lag = registerOnce(
      registry,
      'bus_publish_to_handle_seconds',
      () =>
        new Histogram({
          name: 'bus_publish_to_handle_seconds',
          help: 'Time from publish (envelope occurredAt) to the start of its handling',
          labelNames: ['topic', 'group'],
          // 1 ms (an idle local bus) to 30 s (a redelivery after the visibility timeout).
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    );
    const probes = probesByRegistry.get(registry) ?? new Set<BacklogProbe>();
    probesByRegistry.set(registry, probes);
    this.probes = probes;
    registerOnce(
      registry,
      'bus_backlog_messages',
      () =>
        new Gauge({
          name: 'bus_backlog_messages',
          help: 'Messages of a topic a group has not acknowledged yet (pending + undelivered)',
          labelNames: ['topic', 'group'],
          registers: [registry],
          async collect() {
            this.reset();
            const results = await Promise.allSettled([...probes].map((probe) => probe()));
            for (const result of results) {
              if (result.status !== 'fulfilled') continue; // a scrape must not fail because Redis blinked
              for (const row of result.value) this.set({ topic: row.topic, group: row.group }, row.backlog);
            }
          },
        }),
    );
  }

  /** Adds a backlog source; returns a function that removes it. */
  addBacklogProbe(probe: BacklogProbe): () => void {
    this.probes.add(probe);
    return () => this.probes.delete(probe);
  }
}
