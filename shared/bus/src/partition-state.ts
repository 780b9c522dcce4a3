/** A stream entry delivered to this consumer and not yet acknowledged. */
export interface Delivery {
  streamId: string;
  /** The envelope JSON as stored. */
  raw: string;
  deliveryCount: number;
  /** Failed before: re-claim it (counting the delivery) before handling it again. */
  retry: boolean;
}

/** Orders stream ids ("<ms>-<seq>") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/**
 * A partition this consumer holds the lease of.
 * - `recovering`: just acquired; entries another consumer left pending are reclaimed and
 *   handled first, and new entries are not read until none remain elsewhere (order).
 * - `reading`: normal operation.
 * - `draining`: to be handed to another consumer; no new reads, released once idle.
 */
export class PartitionState {
  mode: 'recovering' | 'reading' | 'draining' = 'recovering';
  /** Delivered here, in stream order; the head is the one being handled. */
  queue: Delivery[] = [];
  /** Handled successfully, not yet XACKed. */
  acks: string[] = [];
  busy = false;
  /** The head failed; do not handle it again before this time (ms). */
  retryAt = 0;
  lost = false;

  constructor(
    readonly index: number,
    readonly key: string,
  ) {}

  canRead(batchSize: number): boolean {
    return this.mode === 'reading' && !this.lost && this.queue.length < batchSize;
  }

  isIdle(): boolean {
    return !this.busy && this.queue.length === 0 && this.acks.length === 0;
  }

  /** Adds reclaimed entries, keeping stream order (the head stays put while it is being handled). */
  addReclaimed(entries: Delivery[]): void {
    for (const entry of entries) {
      const known = this.queue.find((d) => d.streamId === entry.streamId);
      if (known) known.deliveryCount = entry.deliveryCount;
      else this.queue.push(entry);
    }
    const head = this.busy ? this.queue.slice(0, 1) : [];
    const rest = this.queue.slice(head.length).sort((a, b) => compareStreamIds(a.streamId, b.streamId));
    this.queue = [...head, ...rest];
  }

  lose(): void {
    this.lost = true;
    this.queue = this.busy ? this.queue.slice(0, 1) : [];
  }
}
