import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BusMetrics } from './bus-metrics';
import { ensureGroups, fieldsOf, groupBacklog, removeIdleConsumer } from './consumer-group';
import { parseEnvelope, type Envelope } from './envelope';
import type { ScriptedRedis } from './lua-scripts';
import { PartitionState, type Delivery } from './partition-state';
import type {
  BatchMessageHandler,
  DeliveryContext,
  MessageHandler,
  ResolvedSubscribeOptions,
  Subscription,
} from './subscribe-options';
import type { TopicKeys } from './topic-options';

/** What a subscription reports to its bus (which re-emits it to the service). */
export interface SubscriptionEvents {
  error(err: unknown): void;
  handlerError(err: unknown, message: Envelope | undefined, context: DeliveryContext): void;
  deadLettered(reason: string, context: DeliveryContext): void;
}

export interface StreamSubscriptionDeps {
  redis: ScriptedRedis;
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  blocking: Redis;
  keys: TopicKeys;
  group: string;
  consumerPrefix: string;
  handler: MessageHandler;
  /** When set, runs of fresh messages are handed over together (see BatchMessageHandler). */
  batchHandler?: BatchMessageHandler;
  options: ResolvedSubscribeOptions;
  metrics: BusMetrics;
  events: SubscriptionEvents;
}

type XReadReply = [string, [string, string[]][]][] | null;

/**
 * One consumer of an at-least-once topic. Partitions are leased to one consumer of the group at
 * a time (the heartbeat rebalances them fairly), and a consumer handles each of its partitions
 * one message at a time, so a key's messages are handled in order even with many consumers.
 * A partition taken over from a dead consumer first reclaims what that consumer left pending.
 */
export class StreamSubscription implements Subscription {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly reading = new Set<number>();
  private readonly labels: { topic: string; group: string };
  private active = 0;
  private stopping = false;
  private blockingId: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private readLoopDone: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private removeProbe: () => void = () => undefined;

  constructor(private readonly deps: StreamSubscriptionDeps) {
    this.topic = deps.keys.topic.name;
    this.group = deps.group;
    this.consumer = `${deps.consumerPrefix}-${randomUUID().slice(0, 8)}`;
    this.labels = { topic: this.topic, group: this.group };
  }

  async start(): Promise<void> {
    const { redis, blocking, keys, group, metrics } = this.deps;
    await ensureGroups(redis, keys, group);
    if (blocking.status === 'wait') await blocking.connect();
    this.blockingId = Number(await blocking.client('ID'));
    await this.tick();
    this.removeProbe = metrics.addBacklogProbe(async () => [
      { ...this.labels, backlog: await groupBacklog(redis, keys, group) },
    ]);
    this.readLoopDone = this.readLoop();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- reading ---------------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    const { blocking, group, options } = this.deps;
    while (!this.stopping) {
      const readable = [...this.partitions.values()].filter((s) => s.canRead(options.batchSize));
      if (readable.length === 0) {
        await this.sleepUntilWoken(options.blockMs);
        continue;
      }
      for (const s of readable) this.reading.add(s.index);
      const streams = readable.map((s) => s.key);
      try {
        const reply = (await blocking.call(
          'XREADGROUP',
          'GROUP',
          group,
          this.consumer,
          'COUNT',
          options.batchSize,
          'BLOCK',
          options.blockMs,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as XReadReply;
        this.enqueue(reply);
      } catch (err) {
        if (this.stopping) break;
        this.deps.events.error(err);
        if (/NOGROUP/.test((err as Error).message))
          await ensureGroups(this.deps.redis, this.deps.keys, group).catch(() => undefined);
        await this.sleepUntilWoken(Math.min(options.blockMs, 1000));
      } finally {
        this.reading.clear();
      }
      this.dispatch();
    }
  }

  private enqueue(reply: XReadReply): void {
    for (const [stream, entries] of reply ?? []) {
      const state = [...this.partitions.values()].find((s) => s.key === stream);
      // A partition lost while the read was blocked: its new owner reclaims these after the visibility timeout.
      if (!state) continue;
      for (const [streamId, fields] of entries) {
        state.queue.push({ streamId, raw: String(fieldsOf(fields).m ?? ''), deliveryCount: 1, retry: false });
      }
    }
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Ends a blocked XREADGROUP early (as if it timed out, nothing is lost) so the reader sees new partitions. */
  private interruptRead(): void {
    this.wakeUp?.();
    if (this.reading.size > 0 && this.blockingId !== undefined) {
      this.deps.redis.client('UNBLOCK', this.blockingId).catch((err: unknown) => this.deps.events.error(err));
    }
  }

  // ---- handling --------------------------------------------------------------------------

  private dispatch(): void {
    const { concurrency } = this.deps.options;
    for (const s of this.partitions.values()) {
      if (this.active >= concurrency) return;
      if (s.busy || s.queue.length === 0) continue;
      if (s.retryAt > Date.now()) {
        if (!this.stopping) this.scheduleRetry(s.retryAt);
        continue;
      }
      s.busy = true;
      this.active += 1;
      void this.drain(s).finally(() => {
        s.busy = false;
        this.active -= 1;
        // A full partition is left out of the blocking read; now that it has room again, end that
        // read so the next one includes it — otherwise a hot partition waits out blockMs per batch.
        if (this.reading.size > 0 && !this.reading.has(s.index) && s.canRead(this.deps.options.batchSize)) {
          this.interruptRead();
        } else {
          this.wakeUp?.();
        }
        this.dispatch();
        if (this.active === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
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
      if (this.deps.batchHandler && (await this.handleBatch(s))) {
        await this.flushAcks(s);
        return;
      }
      for (let handled = 0; handled < batchSize && !s.lost && s.queue.length > 0; handled++) {
        if (s.retryAt > Date.now()) break;
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
   * call. Returns false, leaving the queue as it was, when there is no such run of two or more,
   * or when the batch failed: the per-message path then takes them one by one.
   */
  private async handleBatch(s: PartitionState): Promise<boolean> {
    const { batchHandler, options, metrics } = this.deps;
    if (!batchHandler || s.retryAt > Date.now()) return false;
    const run: Delivery[] = [];
    const messages: Envelope[] = [];
    for (const delivery of s.queue) {
      if (run.length >= options.batchSize || delivery.retry || delivery.deliveryCount > 1) break;
      let message: Envelope;
      try {
        message = parseEnvelope(delivery.raw);
      } catch {
        break; // the per-message path dead-letters it
      }
      run.push(delivery);
      messages.push(message);
    }
    if (run.length < 2) return false;
    try {
      await batchHandler(messages, { group: this.group, partition: s.index });
    } catch (err) {
      metrics.failed.inc(this.labels);
      this.deps.events.handlerError(err, messages[0], {
        group: this.group,
        partition: s.index,
        streamId: run[0]!.streamId,
        deliveryCount: 1,
      });
      return false;
    }
    const now = Date.now();
    for (const message of messages) {
      metrics.lag.observe(this.labels, Math.max(0, now - Date.parse(message.occurredAt)) / 1000);
    }
    s.queue.splice(0, run.length);
    s.acks.push(...run.map((d) => d.streamId));
    metrics.consumed.inc(this.labels, run.length);
    return true;
  }

  private async handle(s: PartitionState, delivery: Delivery): Promise<'done' | 'retry'> {
    const { handler, options, metrics } = this.deps;
    const context: DeliveryContext = {
      group: this.group,
      partition: s.index,
      streamId: delivery.streamId,
      deliveryCount: delivery.deliveryCount,
    };
    // A message that keeps killing its consumer never reaches `catch` below; count it out here.
    if (delivery.deliveryCount > options.maxDeliveries) {
      await this.deadLetter(
        s,
        delivery,
        `not acknowledged after ${delivery.deliveryCount - 1} deliveries`,
        context,
      );
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
      if (!this.stopping) this.scheduleRetry(s.retryAt);
      return 'retry';
    }
    s.acks.push(delivery.streamId);
    metrics.consumed.inc(this.labels);
    if (s.acks.length >= options.batchSize) await this.flushAcks(s);
    return 'done';
  }

  /** XCLAIM by its own holder: keeps the entry ours and counts the new delivery in Redis. */
  private async claimForRetry(s: PartitionState, delivery: Delivery): Promise<boolean> {
    const claimed = (await this.deps.redis.xclaim(
      s.key,
      this.group,
      this.consumer,
      0,
      delivery.streamId,
    )) as unknown[];
    if (claimed.length === 0) return false;
    delivery.deliveryCount += 1;
    delivery.retry = false;
    return true;
  }

  private async deadLetter(s: PartitionState, delivery: Delivery, reason: string, context: DeliveryContext) {
    const { redis, keys, metrics } = this.deps;
    await this.flushAcks(s);
    await redis.busDeadLetter(
      2,
      s.key,
      keys.deadLetter(),
      this.group,
      delivery.streamId,
      delivery.raw,
      delivery.deliveryCount,
      reason.slice(0, 1000),
      keys.topic.deadLetterMaxLength,
    );
    metrics.deadLettered.inc(this.labels);
    this.deps.events.deadLettered(reason, context);
  }

  private async flushAcks(s: PartitionState): Promise<void> {
    if (s.acks.length === 0) return;
    const ids = s.acks.splice(0);
    try {
      await this.deps.redis.busAckAndTrim(1, s.key, this.group, ...ids);
    } catch (err) {
      s.acks.unshift(...ids); // still pending in Redis; acked on the next flush
      throw err;
    }
  }

  // ---- partitions: heartbeat, rebalance, recovery ----------------------------------------

  private async tick(): Promise<void> {
    const { redis, keys, options } = this.deps;
    try {
      const offset = Math.floor(Math.random() * keys.topic.partitions);
      const [fair, ...owned] = await redis.busRebalance(
        1 + keys.topic.partitions,
        keys.members(this.group),
        ...keys.leases(this.group),
        this.consumer,
        options.leaseMs,
        offset,
      );
      this.applyOwnership(fair, owned);
      await this.releaseDrained();
      await this.noticeForeignPending();
      await this.recover();
    } catch (err) {
      if (!this.stopping) this.deps.events.error(err);
    }
    if (this.stopping) return;
    const interval = Math.max(50, Math.floor(Math.min(options.leaseMs / 3, options.visibilityTimeoutMs / 4)));
    this.heartbeat = setTimeout(() => void this.tick(), interval);
  }

  private applyOwnership(fair: number, owned: number[]): void {
    let changed = false;
    const ownedNow = new Set(owned);
    for (const [index, state] of this.partitions) {
      if (ownedNow.has(index)) continue;
      state.lose(); // our lease expired and someone else holds it: stop at once
      this.partitions.delete(index);
      changed = true;
    }
    for (const index of owned) {
      if (this.partitions.has(index)) continue;
      this.partitions.set(index, new PartitionState(index, this.deps.keys.stream(index)));
      changed = true;
    }
    // More than my fair share (a consumer joined): hand the surplus back once it is drained.
    const keeping = [...this.partitions.values()].filter((s) => s.mode !== 'draining');
    keeping.sort((a, b) => a.queue.length - b.queue.length);
    for (const state of keeping.slice(0, Math.max(0, keeping.length - fair))) {
      state.mode = 'draining';
      changed = true;
    }
    if (changed) this.interruptRead();
  }

  private async releaseDrained(): Promise<void> {
    const { redis, keys } = this.deps;
    for (const [index, state] of this.partitions) {
      if (state.mode !== 'draining' || !state.isIdle() || this.reading.has(index)) continue;
      await redis.busRelease(1, keys.leases(this.group)[index], this.consumer);
      this.partitions.delete(index);
    }
  }

  /**
   * A partition I read can gain entries pending under another consumer: one that stalled past
   * its lease (no heartbeat while its event loop was blocked) reads from it on waking, before its
   * own heartbeat tells it the lease is gone, then drops what it read. Nobody else would reclaim
   * those, so such a partition goes back to recovering: it reclaims them after the visibility
   * timeout, then reads on. Costs one XPENDING summary per partition per heartbeat.
   */
  private async noticeForeignPending(): Promise<void> {
    const reading = [...this.partitions.values()].filter((s) => s.mode === 'reading');
    const summaries = await Promise.all(reading.map((s) => this.deps.redis.xpending(s.key, this.group)));
    reading.forEach((state, i) => {
      const holders = (summaries[i][3] ?? []) as [string, string][];
      if (state.mode === 'reading' && holders.some(([consumer]) => consumer !== this.consumer))
        state.mode = 'recovering';
    });
  }

  /** Reclaims stale entries of recovering partitions; a partition reads new entries only once none are held elsewhere. */
  private async recover(): Promise<void> {
    const { redis, options } = this.deps;
    for (const state of this.partitions.values()) {
      if (state.mode !== 'recovering') continue;
      const [claimed, counts, others, mine] = await redis.busRecover(
        1,
        state.key,
        this.group,
        this.consumer,
        options.visibilityTimeoutMs,
        options.batchSize,
      );
      state.addReclaimed(
        claimed.map(([streamId, fields], i) => ({
          streamId,
          raw: String(fieldsOf(fields).m ?? ''),
          deliveryCount: counts[i],
          retry: false,
        })),
      );
      // Not while a read of it is in flight: entries it delivered are mine but not queued yet.
      if (mine > state.queue.length + state.acks.length && !this.reading.has(state.index))
        await this.readOwnHistory(state);
      if (others === 0 && mine <= state.queue.length + state.acks.length) {
        state.mode = 'reading';
        this.interruptRead();
      }
    }
    this.dispatch();
  }

  /**
   * Entries still pending under my own name that I no longer hold in memory (my lease lapsed,
   * under a stalled event loop, and I took the partition back): they are mine, so take them back
   * now instead of waiting out the visibility timeout. Counted as a redelivery.
   */
  private async readOwnHistory(state: PartitionState): Promise<void> {
    const reply = (await this.deps.redis.call(
      'XREADGROUP',
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      this.deps.options.batchSize,
      'STREAMS',
      state.key,
      '0',
    )) as XReadReply;
    const entries = reply?.[0]?.[1] ?? [];
    state.addReclaimed(
      entries.map(([streamId, fields]) => ({
        streamId,
        raw: String(fieldsOf(fields).m ?? ''),
        deliveryCount: 2,
        retry: false,
      })),
    );
  }

  // ---- shutdown --------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const { redis, keys, blocking } = this.deps;
    this.stopping = true;
    clearTimeout(this.heartbeat);
    clearTimeout(this.retryTimer);
    this.interruptRead();
    await this.readLoopDone;
    this.dispatch(); // finish what was already delivered here
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const steps: (() => Promise<unknown>)[] = [
      ...[...this.partitions.values()].map((s) => () => this.flushAcks(s)),
      () => redis.busRelease(keys.topic.partitions, ...keys.leases(this.group), this.consumer),
      () => redis.zrem(keys.members(this.group), this.consumer),
      () => removeIdleConsumer(redis, keys, this.group, this.consumer),
    ];
    for (const step of steps) await step().catch((err: unknown) => this.deps.events.error(err));
    this.removeProbe();
    this.partitions.clear();
    await blocking.quit().catch(() => blocking.disconnect());
  }
}
