import { pick } from '../rng';
import type { ShardLabels } from '../shard-labels';
import type { VirtualUser } from './scenario';

/**
 * The reading a visitor does: a page of the listing (every shard, scatter-gather, no cache) now
 * and then, mostly event pages (one shard, behind the event cache). Shared by browse and mixed.
 */
export class BrowseSteps {
  /** The next-page cursor each virtual user is holding, so some of them page on. */
  private readonly cursors = new Map<number, string>();

  constructor(
    private readonly eventIds: readonly string[],
    private readonly shards: ShardLabels,
    /** Share of steps that read the listing instead of an event page. */
    private readonly listingShare = 0.25,
  ) {}

  async step(vu: VirtualUser): Promise<void> {
    if (vu.random() < this.listingShare) await this.listing(vu);
    else await this.detail(vu);
  }

  private async listing(vu: VirtualUser): Promise<void> {
    const cursor = this.cursors.get(vu.index);
    const follow = cursor !== undefined && vu.random() < 0.5;
    const res = await vu.client.send({
      operation: follow ? 'list events (next page)' : 'list events',
      path: `/api/events?limit=20${follow ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      expect: [200],
      shard: this.shards.all('events'),
    });
    const next = (res?.body as { nextCursor?: unknown } | undefined)?.nextCursor;
    if (typeof next === 'string') this.cursors.set(vu.index, next);
    else this.cursors.delete(vu.index);
  }

  private async detail(vu: VirtualUser): Promise<void> {
    const id = pick(vu.random, this.eventIds);
    await vu.client.send({
      operation: 'event detail',
      path: `/api/events/${id}`,
      expect: [200],
      shard: this.shards.of('events', id),
    });
  }
}
