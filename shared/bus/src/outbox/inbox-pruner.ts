import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { ShardDatabases } from '@boxoffice/sharding';
import { pruneInbox } from './inbox';
import { shardsOf, type RelayShard } from './shard-relay';

/**
 * How long the inbox remembers a message by default: 7 days. It must outlast every redelivery of
 * a message, and the longest one the bus makes is maxDeliveries × (visibility timeout + retry
 * wait, capped at the visibility timeout) plus one lease for a partition to change hands: with
 * the defaults 5 × (30 s + 30 s) + 10 s = 310 s, so 7 days is ~2000 times that. The margin is for
 * what the bus cannot bound: a consumer (or a whole service) that is down holds its unacked
 * messages until it comes back, and a week covers a long weekend's outage.
 */
export const INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** The longest a message can keep being redelivered while consumers run (see INBOX_RETENTION_MS). */
export function redeliveryWindowMs(bus: {
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  leaseMs: number;
}): number {
  return bus.maxDeliveries * 2 * bus.visibilityTimeoutMs + bus.leaseMs;
}

export interface InboxPrunerOptions {
  /** The service's shards (every one is pruned), or an explicit list of databases. */
  shards: ShardDatabases | RelayShard[];
  /** Rows older than this are deleted. Default INBOX_RETENTION_MS (7 days). */
  retentionMs?: number;
  /**
   * The longest redelivery window of the consumers writing this inbox (`redeliveryWindowMs`).
   * The constructor refuses a retention that is not longer, which would let a late redelivery
   * apply twice.
   */
  redeliveryWindowMs?: number;
  /**
   * How often each shard is pruned. Default 60 s: a rush records ~200 messages/s per service,
   * and one run deletes up to batchSize × maxBatchesPerRun = 20 000 rows per shard, so the
   * pruner keeps up with ~330 rows/s per shard while each run takes a few hundred milliseconds.
   */
  intervalMs?: number;
  /** Rows per DELETE. Default 1000: each statement holds its row locks for milliseconds. */
  batchSize?: number;
  /** DELETEs per shard per run at most, so one run is bounded however large the backlog. Default 20. */
  maxBatchesPerRun?: number;
}

/**
 * Deletes old inbox rows (`processed_messages`) on a timer, so the table holds about a
 * retention's worth of messages instead of growing forever. The timer is unref'd (it never keeps
 * a process alive) and runs are never concurrent. Emits `'error'` (when listened to) and
 * `'pruned'` (shard name, rows); it never logs.
 */
export class InboxPruner extends EventEmitter {
  readonly retentionMs: number;
  /** The shards of each run: a service's are asked each time (a resharding may add one). */
  private readonly shards: () => RelayShard[];
  private readonly settings: { intervalMs: number; batchSize: number; maxBatchesPerRun: number };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(options: InboxPrunerOptions) {
    super();
    this.retentionMs = options.retentionMs ?? INBOX_RETENTION_MS;
    const window = options.redeliveryWindowMs ?? 0;
    if (!(this.retentionMs > window)) {
      throw new RangeError(
        `inbox retention ${this.retentionMs} ms must be longer than the redelivery window ${window} ms`,
      );
    }
    const { shards } = options;
    this.shards = Array.isArray(shards) ? () => shards : () => shardsOf(shards);
    this.settings = {
      intervalMs: options.intervalMs ?? 60_000,
      batchSize: options.batchSize ?? 1000,
      maxBatchesPerRun: options.maxBatchesPerRun ?? 20,
    };
  }

  /** Prunes every `intervalMs` from now on (the first run one interval after start). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pruneOnce(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress, so the pools can close after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One bounded run over every shard; returns rows deleted. A shard that fails is reported and skipped. */
  pruneOnce(): Promise<number> {
    this.running ??= this.runAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runAll(): Promise<number> {
    let total = 0;
    for (const shard of this.shards()) {
      try {
        const deleted = await this.pruneShard(shard.db);
        total += deleted;
        if (deleted > 0) this.emit('pruned', shard.name, deleted);
      } catch (err) {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      }
    }
    return total;
  }

  private async pruneShard(db: Knex): Promise<number> {
    const { batchSize, maxBatchesPerRun } = this.settings;
    let deleted = 0;
    for (let batch = 0; batch < maxBatchesPerRun; batch++) {
      const rows = await pruneInbox(db, this.retentionMs, batchSize);
      deleted += rows;
      if (rows < batchSize) break;
    }
    return deleted;
  }
}
