import { EntityCache, ServiceContext, createServiceEntityCache } from '@boxoffice/shared';
import { EventImageRepository, EventRecord, EventRepository, SeatLedgerRepository } from '../data-access';
import { ThumbnailMaker } from './thumbnail-maker';

/** What the use-cases need, built once per process from the service context. */
export interface EventsDeps {
  events: EventRepository;
  /** Seat reservations: the purchase saga's side of this service. */
  ledger: SeatLedgerRepository;
  /**
   * Event documents by id: this process's memory, then Redis (docs/caching.md). Only for
   * display: purchase decisions read the primary.
   */
  cache: EntityCache<EventRecord>;
  /** How long the listing waits for each shard before answering without it. */
  shardTimeoutMs: number;
  /** Event images: the stored originals and the largest image accepted. */
  images: { repository: EventImageRepository; maxPixels: number; maxBytes: number };
  /** On-demand thumbnails, kept in this process's memory. */
  thumbnails: ThumbnailMaker;
}

/**
 * 60 s TTL: invalidation after each commit keeps a cached event fresh; the TTL only bounds how
 * stale seatsAvailable can get when an invalidation is lost (Redis blip), and seats change often.
 */
export const EVENT_CACHE_TTL_SECONDS = 60;

export function buildEventsDeps(ctx: ServiceContext): EventsDeps {
  return {
    events: new EventRepository(ctx.dbs),
    ledger: new SeatLedgerRepository(ctx.dbs),
    cache: createServiceEntityCache<EventRecord>(ctx, {
      entity: 'event',
      ttlSeconds: EVENT_CACHE_TTL_SECONDS,
      versionOf: (event) => event.version,
    }),
    shardTimeoutMs: ctx.config.SHARD_TIMEOUT_MS,
    images: {
      repository: new EventImageRepository(ctx.dbs),
      maxPixels: ctx.config.IMAGE_MAX_PIXELS,
      maxBytes: ctx.config.IMAGE_MAX_BYTES,
    },
    thumbnails: new ThumbnailMaker({
      concurrency: ctx.config.IMAGE_RESIZE_CONCURRENCY,
      cacheBytes: ctx.config.IMAGE_CACHE_BYTES,
      maxPixels: ctx.config.IMAGE_MAX_PIXELS,
      metrics: ctx.metrics,
    }),
  };
}
