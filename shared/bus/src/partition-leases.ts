import { deliveriesOf, readGroup } from './consumer-group';
import { goneConsumers } from './consumer-liveness';
import { type ScriptedRedis, reclaimStale, releaseLeases, renewAndRebalance } from './lua-scripts';
import { PartitionState } from './partition-state';
import type { ResolvedSubscribeOptions } from './subscribe-options';
import type { SubscriptionEvents } from './subscription-events';
import type { TopicKeys } from './topic-options';

export interface PartitionLeasesDeps {
  redis: ScriptedRedis;
  keys: TopicKeys;
  group: string;
  consumer: string;
  options: ResolvedSubscribeOptions;
  events: SubscriptionEvents;
  isStopping(): boolean;
  /** A read of this partition is in flight (its entries are ours but not queued yet). */
  isReading(index: number): boolean;
  /** The set of partitions to read changed: end the blocked read so the next one sees it. */
  changed(): void;
  /** Reclaimed entries may have been queued: hand them to the handlers. */
  recovered(): void;
}

/**
 * The partitions this consumer holds, leased to one consumer of the group at a time. The
 * heartbeat renews the leases and rebalances them fairly (a Lua script on Redis' clock); a
 * partition taken over from a dead consumer first reclaims what that consumer left pending.
 */
export class PartitionLeases {
  readonly partitions = new Map<number, PartitionState>();
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** False once the server refused CLIENT LIST: leases and the visibility timeout alone then. */
  private livenessKnown = true;

  constructor(private readonly deps: PartitionLeasesDeps) {}

  /** One heartbeat, then the next one scheduled (until stopped). Never throws: errors are emitted. */
  tick(): Promise<void> {
    this.ticking = this.beat().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async beat(): Promise<void> {
    const { redis, keys, group, consumer, options } = this.deps;
    try {
      const gone = await this.goneConsumers();
      // A shutdown that began meanwhile has released the leases: renewing them would undo that.
      if (this.deps.isStopping()) return;
      const { fair, owned } = await renewAndRebalance(redis, {
        members: keys.members(group),
        connected: keys.connected(group),
        leases: keys.leases(group),
        consumer,
        leaseMs: options.leaseMs,
        offset: Math.floor(Math.random() * keys.topic.partitions),
        gone,
      });
      this.applyOwnership(fair, owned);
      await this.releaseDrained();
      await this.noticeForeignPending();
      await this.recover(gone);
    } catch (err) {
      if (!this.deps.isStopping()) this.deps.events.error(err);
    }
    if (this.deps.isStopping()) return;
    const interval = Math.max(50, Math.floor(Math.min(options.leaseMs / 3, options.visibilityTimeoutMs / 4)));
    this.heartbeat = setTimeout(() => void this.tick(), interval);
  }

  /** No more heartbeats; resolves once the one in flight (if any) has finished. */
  stop(): Promise<void> {
    clearTimeout(this.heartbeat);
    return this.ticking ?? Promise.resolve();
  }

  /** Gives every lease back (shutdown). */
  async releaseAll(): Promise<void> {
    const { redis, keys, group, consumer } = this.deps;
    await releaseLeases(redis, { leases: keys.leases(group), consumer });
  }

  /** Leaves the group's membership, so the others' fair share grows at once (shutdown). */
  async leave(): Promise<void> {
    const { redis, keys, group, consumer } = this.deps;
    await Promise.all([
      redis.zrem(keys.members(group), consumer),
      redis.zrem(keys.connected(group), consumer),
    ]);
  }

  /** Members whose connection closed (consumer-liveness.ts); none if the server will not say. */
  private async goneConsumers(): Promise<string[]> {
    if (!this.livenessKnown) return [];
    const { redis, keys, group, consumer } = this.deps;
    try {
      return await goneConsumers(redis, keys.connected(group), consumer);
    } catch (err) {
      this.livenessKnown = false;
      this.deps.events.error(err);
      return [];
    }
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
    if (changed) this.deps.changed();
  }

  private async releaseDrained(): Promise<void> {
    const { redis, keys, group, consumer } = this.deps;
    for (const [index, state] of this.partitions) {
      if (state.mode !== 'draining' || !state.isIdle() || this.deps.isReading(index)) continue;
      await releaseLeases(redis, { leases: [keys.leases(group)[index]], consumer });
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
    const { redis, group, consumer } = this.deps;
    const reading = [...this.partitions.values()].filter((s) => s.mode === 'reading');
    const summaries = await Promise.all(reading.map((s) => redis.xpending(s.key, group)));
    reading.forEach((state, i) => {
      const holders = (summaries[i][3] ?? []) as [string, string][];
      if (state.mode === 'reading' && holders.some(([holder]) => holder !== consumer))
        state.mode = 'recovering';
    });
  }

  /** Reclaims stale entries of recovering partitions; a partition reads new entries only once none are held elsewhere. */
  private async recover(gone: readonly string[]): Promise<void> {
    const { redis, group, consumer, options } = this.deps;
    for (const state of this.partitions.values()) {
      if (state.mode !== 'recovering') continue;
      const { claimed, counts, others, mine } = await reclaimStale(redis, {
        stream: state.key,
        group,
        consumer,
        visibilityTimeoutMs: options.visibilityTimeoutMs,
        count: options.batchSize,
        gone,
      });
      state.addReclaimed(deliveriesOf(claimed, (i) => counts[i]));
      // Not while a read of it is in flight: entries it delivered are mine but not queued yet.
      if (mine > state.queue.length + state.acks.length && !this.deps.isReading(state.index))
        await this.readOwnHistory(state);
      if (others === 0 && mine <= state.queue.length + state.acks.length) {
        state.mode = 'reading';
        this.deps.changed();
      }
    }
    this.deps.recovered();
  }

  /**
   * Entries still pending under my own name that I no longer hold in memory (my lease lapsed,
   * under a stalled event loop, and I took the partition back): they are mine, so take them back
   * now instead of waiting out the visibility timeout. Counted as a redelivery.
   */
  private async readOwnHistory(state: PartitionState): Promise<void> {
    const { redis, group, consumer, options } = this.deps;
    const reply = await readGroup(redis, {
      group,
      consumer,
      count: options.batchSize,
      streams: [state.key],
      from: '0',
    });
    state.addReclaimed(deliveriesOf(reply?.[0]?.[1] ?? [], () => 2));
  }
}
