import type { Redis } from 'ioredis';
import { deliveriesOf, ensureGroups, readGroup, type XReadReply } from './consumer-group';
import type { ScriptedRedis } from './lua-scripts';
import type { PartitionState } from './partition-state';
import type { ResolvedSubscribeOptions } from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import type { TopicKeys } from './topic-options';

export interface StreamReaderDeps {
  redis: ScriptedRedis;
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  blocking: Redis;
  keys: TopicKeys;
  group: string;
  consumer: string;
  options: ResolvedSubscribeOptions;
  events: SubscriptionEvents;
  /** The partitions this consumer holds (the leases own the map). */
  partitions: ReadonlyMap<number, PartitionState>;
  isStopping(): boolean;
  /** A read ended (with or without new entries queued): hand what is queued to the handlers. */
  read(): void;
}

/**
 * The read loop: one blocking XREADGROUP over every partition that has room in its queue, whose
 * entries are queued on their partition for delivery. A partition leaves the read while its
 * queue is full; `interrupt` ends a blocked read early so the next one sees the change.
 */
export class StreamReader {
  private readonly reading = new Set<number>();
  private blockingId: number | undefined;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StreamReaderDeps) {}

  async connect(): Promise<void> {
    const { blocking } = this.deps;
    if (blocking.status === 'wait') await blocking.connect();
    this.blockingId = Number(await blocking.client('ID'));
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Resolves once the loop has stopped (after `isStopping` turned true and the read ended). */
  finished(): Promise<void> {
    return this.loopDone;
  }

  /** A read of this partition is in flight: entries it delivers are ours but not queued yet. */
  isReading(index: number): boolean {
    return this.reading.has(index);
  }

  /** Ends a blocked XREADGROUP early (as if it timed out, nothing is lost) so the reader sees new partitions. */
  interrupt(): void {
    this.wakeUp?.();
    if (this.reading.size > 0 && this.blockingId !== undefined) {
      this.deps.redis.client('UNBLOCK', this.blockingId).catch((err: unknown) => this.deps.events.error(err));
    }
  }

  /**
   * A partition's drain finished. A full partition is left out of the blocking read; now that it
   * has room again, end that read so the next one includes it — otherwise a hot partition waits
   * out blockMs per batch.
   */
  noticeRoom(state: PartitionState): void {
    if (
      this.reading.size > 0 &&
      !this.reading.has(state.index) &&
      state.canRead(this.deps.options.batchSize)
    ) {
      this.interrupt();
    } else {
      this.wakeUp?.();
    }
  }

  async close(): Promise<void> {
    const { blocking } = this.deps;
    await blocking.quit().catch(() => blocking.disconnect());
  }

  private async loop(): Promise<void> {
    const { blocking, group, options, consumer } = this.deps;
    while (!this.deps.isStopping()) {
      const readable = [...this.deps.partitions.values()].filter((s) => s.canRead(options.batchSize));
      if (readable.length === 0) {
        await this.sleepUntilWoken(options.blockMs);
        continue;
      }
      for (const s of readable) this.reading.add(s.index);
      try {
        const reply = await readGroup(blocking, {
          group,
          consumer,
          count: options.batchSize,
          blockMs: options.blockMs,
          streams: readable.map((s) => s.key),
          from: '>',
        });
        this.enqueue(reply);
      } catch (err) {
        if (this.deps.isStopping()) break;
        this.deps.events.error(err);
        if (/NOGROUP/.test((err as Error).message))
          await ensureGroups(this.deps.redis, this.deps.keys, group).catch(() => undefined);
        await this.sleepUntilWoken(Math.min(options.blockMs, 1000));
      } finally {
        this.reading.clear();
      }
      this.deps.read();
    }
  }

  private enqueue(reply: XReadReply): void {
    for (const [stream, entries] of reply ?? []) {
      const state = [...this.deps.partitions.values()].find((s) => s.key === stream);
      // A partition lost while the read was blocked: its new owner reclaims these after the visibility timeout.
      if (!state) continue;
      state.queue.push(...deliveriesOf(entries, () => 1));
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
}
