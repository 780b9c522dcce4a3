import type { BusMetrics } from './bus-metrics';
import { parseEnvelope, type Envelope } from './envelope';
import { type ScriptedRedis, ackAndTrim, moveToDeadLetter } from './lua-scripts';
import type { Delivery, PartitionState } from './partition-state';
import type {
  BatchMessageHandler,
  DeliveryContext,
  MessageHandler,
  ResolvedSubscribeOptions,
} from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import type { TopicKeys } from './topic-options';

export interface PartitionDeliveryDeps {
  redis: ScriptedRedis;
  keys: TopicKeys;
  group: string;
  consumer: string;
  handler: MessageHandler;
  /** When set, runs of fresh messages are handed over together (see BatchMessageHandler). */
  batchHandler?: BatchMessageHandler;
  options: ResolvedSubscribeOptions;
  metrics: BusMetrics;
  events: SubscriptionEvents;
  /** The partitions this consumer holds (the leases own the map). */
  partitions: ReadonlyMap<number, PartitionState>;
  isStopping(): boolean;
  /** A partition's drain finished: it may have room to be read again. */
  drained(state: PartitionState): void;
}

/** A first-time delivery, which a batch may take (a retry or a redelivery goes one by one). */
const isFresh = (delivery: Delivery | undefined): boolean =>
  delivery !== undefined && !delivery.retry && delivery.deliveryCount <= 1;

/**
 * Delivery: hands each partition's queue to the handler one message at a time, in order (up to
 * `concurrency` partitions at once), acks what succeeded, retries what failed with backoff, and
 * dead-letters what fails `maxDeliveries` times.
 */
export class PartitionDelivery {
  private readonly labels: { topic: string; group: string };
  private active = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: PartitionDeliveryDeps) {
    this.labels = { topic: deps.keys.topic.name, group: deps.group };
  }

  dispatch(): void {
    const { concurrency } = this.deps.options;
    for (const s of this.deps.partitions.values()) {
      if (this.active >= concurrency) return;
      if (s.busy || s.queue.length === 0) continue;
      if (s.retryAt > Date.now()) {
        if (!this.deps.isStopping()) this.scheduleRetry(s.retryAt);
        continue;
      }
      s.busy = true;
      this.active += 1;
      void this.drain(s).finally(() => {
        s.busy = false;
        this.active -= 1;
        this.deps.drained(s);
        this.dispatch();
        if (this.active === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  /** Resolves once no handler runs (shutdown: finish what was already delivered here). */
  async idle(): Promise<void> {
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    clearTimeout(this.retryTimer);
  }

  async flushAcks(s: PartitionState): Promise<void> {
    if (s.acks.length === 0) return;
    const ids = s.acks.splice(0);
    try {
      await ackAndTrim(this.deps.redis, { stream: s.key, group: this.deps.group, ids });
    } catch (err) {
      s.acks.unshift(...ids); // still pending in Redis; acked on the next flush
      throw err;
    }
  }

  private scheduleRetry(at: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.dispatch(), Math.max(0, at - Date.now()) + 5);
  }

  /** Handles a partition's queue in order, at most one batch, then acks what succeeded. */
  private async drain(s: PartitionState): Promise<void> {
    const { batchSize, retryDelayMs } = this.deps.options;
    try {
      const batch = this.deps.batchHandler ? await this.handleBatch(s) : 'none';
      if (batch === 'done') {
        await this.flushAcks(s);
        return;
      }
      for (let handled = 0; handled < batchSize && !s.lost && s.queue.length > 0; handled++) {
        if (s.retryAt > Date.now()) break;
        // Taken one by one because the run at the head was shorter than two (a lone message, or a
        // redelivery first), not because a batch failed: fresh messages that queued up meanwhile go
        // to the batch handler in the next drain. Otherwise a consumer that once found a single
        // message kept taking a busy partition one at a time, up to batchSize of them, each paying
        // a whole batch's cost, while the queue behind it grew (docs/performance.md, "One at a time").
        if (handled > 0 && batch === 'none' && isFresh(s.queue[0]) && isFresh(s.queue[1])) break;
        const delivery = s.queue[0];
        if (delivery.retry && !(await this.claimForRetry(s, delivery))) {
          s.queue.shift(); // acked or dead-lettered meanwhile by another consumer
          continue;
        }
        if ((await this.handle(s, delivery)) === 'retry') break;
        s.queue.shift();
      }
      await this.flushAcks(s);
    } catch (err) {
      this.deps.events.error(err);
      s.retryAt = Date.now() + retryDelayMs;
    }
  }

  /**
   * Hands the run of first-time deliveries at the head of the queue to the batch handler in one
   * call. Leaves the queue as it was when there is no such run of two or more ('none') or when
   * the batch failed ('failed'): the per-message path then takes them one by one.
   */
  private async handleBatch(s: PartitionState): Promise<'done' | 'none' | 'failed'> {
    const { batchHandler, options, metrics, group } = this.deps;
    if (!batchHandler || s.retryAt > Date.now()) return 'none';
    const run: Delivery[] = [];
    const messages: Envelope[] = [];
    for (const delivery of s.queue) {
      if (run.length >= options.batchSize || !isFresh(delivery)) break;
      let message: Envelope;
      try {
        message = parseEnvelope(delivery.raw);
      } catch {
        break; // the per-message path dead-letters it
      }
      run.push(delivery);
      messages.push(message);
    }
    if (run.length < 2) return 'none';
    try {
      await batchHandler(messages, { group, partition: s.index });
    } catch (err) {
      metrics.failed.inc(this.labels);
      this.deps.events.handlerError(err, messages[0], {
        group,
        partition: s.index,
        streamId: run[0]!.streamId,
        deliveryCount: 1,
      });
      return 'failed';
    }
    const now = Date.now();
    for (const message of messages) {
      metrics.lag.observe(this.labels, Math.max(0, now - Date.parse(message.occurredAt)) / 1000);
    }
    s.queue.splice(0, run.length);
    s.acks.push(...run.map((d) => d.streamId));
    metrics.consumed.inc(this.labels, run.length);
    return 'done';
  }

  private async handle(s: PartitionState, delivery: Delivery): Promise<'done' | 'retry'> {
    const { handler, options, metrics } = this.deps;
    const context: DeliveryContext = {
      group: this.deps.group,
      partition: s.index,
      streamId: delivery.streamId,
      deliveryCount: delivery.deliveryCount,
    };
    // A message that keeps killing its consumer never reaches `catch` below; count it out here.
    if (delivery.deliveryCount > options.maxDeliveries) {
      const reason = `not acknowledged after ${delivery.deliveryCount - 1} deliveries`;
      await this.deadLetter(s, delivery, reason, context);
      return 'done';
    }
    let message: Envelope;
    try {
      message = parseEnvelope(delivery.raw);
    } catch (err) {
      await this.deadLetter(s, delivery, (err as Error).message, context);
      return 'done';
    }
    if (delivery.deliveryCount > 1) metrics.redelivered.inc(this.labels);
    metrics.lag.observe(this.labels, Math.max(0, Date.now() - Date.parse(message.occurredAt)) / 1000);
    try {
      await handler(message, context);
    } catch (err) {
      metrics.failed.inc(this.labels);
      this.deps.events.handlerError(err, message, context);
      if (delivery.deliveryCount >= options.maxDeliveries) {
        await this.deadLetter(s, delivery, err instanceof Error ? err.message : String(err), context);
        return 'done';
      }
      const backoff = options.retryDelayMs * 2 ** (delivery.deliveryCount - 1);
      s.retryAt = Date.now() + Math.min(backoff, options.visibilityTimeoutMs);
      delivery.retry = true;
      if (!this.deps.isStopping()) this.scheduleRetry(s.retryAt);
      return 'retry';
    }
    s.acks.push(delivery.streamId);
    metrics.consumed.inc(this.labels);
    if (s.acks.length >= options.batchSize) await this.flushAcks(s);
    return 'done';
  }

  /** XCLAIM by its own holder: keeps the entry ours and counts the new delivery in Redis. */
  private async claimForRetry(s: PartitionState, delivery: Delivery): Promise<boolean> {
    const { redis, group, consumer } = this.deps;
    const claimed = (await redis.xclaim(s.key, group, consumer, 0, delivery.streamId)) as unknown[];
    if (claimed.length === 0) return false;
    delivery.deliveryCount += 1;
    delivery.retry = false;
    return true;
  }

  private async deadLetter(s: PartitionState, delivery: Delivery, reason: string, context: DeliveryContext) {
    const { redis, keys, metrics, group } = this.deps;
    await this.flushAcks(s);
    await moveToDeadLetter(redis, {
      stream: s.key,
      deadLetterStream: keys.deadLetter(),
      group,
      streamId: delivery.streamId,
      json: delivery.raw,
      deliveries: delivery.deliveryCount,
      reason: reason.slice(0, 1000),
      deadLetterMaxLength: keys.topic.deadLetterMaxLength,
    });
    metrics.deadLettered.inc(this.labels);
    this.deps.events.deadLettered(reason, context);
  }
}
