import { EventEmitter } from 'node:events';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Bus } from '../redis-bus';
import { registerOnce } from '../bus-metrics';
import type { ShardDatabases } from '@boxoffice/sharding';
import { ShardRelay, shardsOf, type RelayShard } from './shard-relay';

export interface OutboxRelayOptions {
  bus: Pick<Bus, 'publishBatch'>;
  /** The service's shards (every one is relayed), or an explicit list of databases. */
  shards: ShardDatabases | RelayShard[];
  /**
   * Rows moved per transaction. Default 100: one Lua call on the bus and one DELETE per 100
   * events, while the rows stay locked for only a few milliseconds.
   */
  batchSize?: number;
  /**
   * How often a shard is checked when no NOTIFY arrives. Default 1000 ms: NOTIFY wakes the
   * relay within a millisecond normally; polling only covers a lost LISTEN connection, a
   * notification missed while reconnecting, and rows left by a relay that died.
   */
  pollIntervalMs?: number;
  /**
   * After a NOTIFY, how long to wait for more rows before relaying. Default 5 ms: under a burst
   * it turns one relay transaction per row into one per few dozen rows (the rush benchmark's
   * relay work drops accordingly), and a lone message waits 5 ms more, next to ~1 ms of relaying.
   */
  gatherMs?: number;
  /** Where outbox_* metrics are registered. Default: a private registry. */
  metrics?: Registry;
  /**
   * Called after a batch is on the bus and before its rows are deleted. For instrumentation
   * and the crash tests ("killed mid-batch"); it must not throw.
   */
  afterPublish?: (shard: string, messageIds: string[]) => Promise<void> | void;
}

const relaysByRegistry = new WeakMap<Registry, Set<OutboxRelay>>();

/**
 * Moves outbox rows to the bus: one loop per shard, woken by NOTIFY with polling as a fallback.
 * Rows are published in id order and deleted in the transaction that locked them, after the bus
 * holds them; a relay that dies in between leaves them to be published again (a duplicate the
 * inbox absorbs), never lost. Emits `'error'` (when listened to) and `'busFull'`.
 */
export class OutboxRelay extends EventEmitter {
  private readonly relays: ShardRelay[];
  private started = false;
  readonly relayed: Counter<'shard'>;

  constructor(options: OutboxRelayOptions) {
    super();
    const registry = options.metrics ?? new Registry();
    this.relayed = registerOnce(
      registry,
      'outbox_relayed_total',
      () =>
        new Counter({
          name: 'outbox_relayed_total',
          help: 'Outbox rows moved to the bus',
          labelNames: ['shard'],
          registers: [registry],
        }),
    );
    this.registerBacklogGauge(registry);
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`outbox relay batchSize must be a positive integer, not ${batchSize}`);
    }
    const shards = Array.isArray(options.shards) ? options.shards : shardsOf(options.shards);
    this.relays = shards.map(
      (shard) =>
        new ShardRelay(shard, {
          bus: options.bus,
          batchSize,
          pollIntervalMs: options.pollIntervalMs ?? 1000,
          gatherMs: options.gatherMs ?? 5,
          afterPublish: options.afterPublish,
          onError: (err) => {
            if (this.listenerCount('error') > 0) this.emit('error', err);
          },
          onBusFull: (err) => this.emit('busFull', err),
          onRelayed: (count) => this.relayed.inc({ shard: shard.name }, count),
        }),
    );
  }

  /** Starts relaying every shard. Resolves once each shard is LISTENing (or polling, if LISTEN failed). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all(this.relays.map((relay) => relay.start()));
  }

  /** Rows waiting in each shard's outbox. */
  async backlog(): Promise<{ shard: string; rows: number }[]> {
    return Promise.all(
      this.relays.map(async (relay) => ({ shard: relay.name, rows: await relay.backlog() })),
    );
  }

  /** Stops: lets a batch in progress finish (commit or roll back), then UNLISTENs. */
  async close(): Promise<void> {
    await Promise.all(this.relays.map((relay) => relay.close()));
    this.forgetFromGauge();
  }

  private forgetFromGauge: () => void = () => undefined;

  private registerBacklogGauge(registry: Registry): void {
    const relays = relaysByRegistry.get(registry) ?? new Set<OutboxRelay>();
    relaysByRegistry.set(registry, relays);
    relays.add(this);
    this.forgetFromGauge = () => relays.delete(this);
    registerOnce(
      registry,
      'outbox_backlog_rows',
      () =>
        new Gauge({
          name: 'outbox_backlog_rows',
          help: 'Outbox rows not yet moved to the bus, per shard',
          labelNames: ['shard'],
          registers: [registry],
          async collect() {
            this.reset();
            const results = await Promise.allSettled([...relays].map((relay) => relay.backlog()));
            for (const result of results) {
              if (result.status !== 'fulfilled') continue;
              for (const row of result.value) this.set({ shard: row.shard }, row.rows);
            }
          },
        }),
    );
  }
}
