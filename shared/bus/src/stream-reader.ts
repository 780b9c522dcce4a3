import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { deliveriesOf, ensureGroups, readGroup, type XReadReply } from './consumer-group';
import type { ScriptedRedis } from './lua-scripts';
import type { PartitionState } from './partition-state';
import type { ResolvedSubscribeOptions } from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import type { TopicKeys } from './topic-options';
import { WakeableSleep } from './wakeable-sleep';

/** CLIENT UNBLOCKs sent again, 1 ms apart, when one finds the read not blocked yet (see `unblock`). */
const UNBLOCK_RETRIES = 20;

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
  private reads = 0;
  /** The number of the read in flight, between sending it and its reply. */
  private inFlight: number | undefined;
  /** The read an `unblock` runs for: one at a time per read. */
  private unblocking: number | undefined;
  private blockingId: number | undefined;
  private readonly pause = new WakeableSleep();
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StreamReaderDeps) {}

  async connect(): Promise<void> {
    const { blocking } = this.deps;
    if (blocking.status === 'wait') await blocking.connect();
    this.blockingId = Number(await blocking.client('ID'));
    // A reconnected connection is a new client with a new id, which UNBLOCK must name. The read
    // that failed with the old connection is sleeping (up to 1 s) by then, so the ID goes first.
    blocking.on('ready', () => {
      this.blockingId = undefined;
      blocking
        .client('ID')
        .then((id) => (this.blockingId = Number(id)))
        .catch((err: unknown) => this.deps.events.error(err));
    });
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
    this.pause.wake();
    const read = this.inFlight;
    if (read === undefined || read === this.unblocking || this.blockingId === undefined) return;
    this.unblocking = read;
    this.unblock(read, this.blockingId)
      .catch((err: unknown) => this.deps.events.error(err))
      .finally(() => {
        if (this.unblocking === read) this.unblocking = undefined;
      });
  }

  /**
   * Ends read number `read` with CLIENT UNBLOCK. That goes on another connection than the read,
   * and Redis may take it before the read, which has not reached it yet (the order of two sockets
   * is not kept): it finds nothing blocked and replies 0, and the read then blocks for all of
   * blockMs while a partition has room (stream-reader-wake-up.int.test.ts; the suspect behind the
   * rush's slow regime in docs/performance.md). So while that read is still in flight here, send
   * it again 1 ms later, up to 20 times: a read already sent reaches Redis well within that (in
   * the test the first repeat always found it blocked). A repeat that lands on the next read ends
   * that one early instead, as a timeout: nothing is lost.
   */
  private async unblock(read: number, clientId: number): Promise<void> {
    for (let attempt = 0; this.inFlight === read; attempt++) {
      if ((await this.deps.redis.client('UNBLOCK', clientId)) === 1 || attempt === UNBLOCK_RETRIES) return;
      await sleep(1);
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
      this.pause.wake();
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
        await this.pause.sleep(options.blockMs);
        continue;
      }
      for (const s of readable) this.reading.add(s.index);
      this.inFlight = ++this.reads;
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
        await this.pause.sleep(Math.min(options.blockMs, 1000));
      } finally {
        this.reading.clear();
        this.inFlight = undefined;
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
}
