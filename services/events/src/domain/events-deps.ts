import { EntityCache, PageCache } from '@boxoffice/cache';
import { ServiceContext, createServiceEntityCache } from '@boxoffice/runtime';
import { EventImageRepository, EventRecord, EventRepository, SeatLedgerRepository } from '../data-access';
import { SeatBatchMetrics } from './seat-batch-metrics';
import { ThumbnailMaker } from './thumbnail-maker';

/** What the use-cases need, built once per process from the service context. */
export interface EventsDeps {
  events: EventRepository;
  /** Seat reservations: the purchase saga's side of this service. */
  ledger: SeatLedgerRepository;
  /** How long each batch of seat decisions holds its events' rows, and how many orders it decided. */
  seatBatches: SeatBatchMetrics;
  /**
   * Event documents by id: this process's memory, then Redis (docs/caching.md). Only for
   * display: purchase decisions read the primary.
   */
  cache: EntityCache<EventRecord>;
  /**
   * Rendered pages of the listing for anonymous readers, in this process's memory for
   * CACHE_LISTING_TTL_MS; cleared whenever any event leaves `cache` (a write here, or another
   * process's broadcast). Undefined when caching, memory caching or the listing cache is off.
   */
  listingPages: PageCache | undefined;
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

/** Entries and bytes of listing pages kept per process: a page of 20 events is ~10 KB. */
const LISTING_PAGES = { maxEntries: 500, maxBytes: 16 * 1024 * 1024 };

function listingPagesOf(ctx: ServiceContext, cache: EntityCache<EventRecord>): PageCache | undefined {
  const { CACHE_ENABLED, CACHE_L1_ENABLED, CACHE_LISTING_TTL_MS } = ctx.config;
  if (!CACHE_ENABLED || !CACHE_L1_ENABLED || CACHE_LISTING_TTL_MS === 0) return undefined;
  const pages = new PageCache({
    entity: 'event_listing',
    ttlMs: CACHE_LISTING_TTL_MS,
    ...LISTING_PAGES,
    metrics: ctx.metrics,
  });
  cache.onEvicted(() => pages.clear());
  return pages;
}

export function buildEventsDeps(ctx: ServiceContext): EventsDeps {
  const cache = createServiceEntityCache<EventRecord>(ctx, {
    entity: 'event',
    ttlSeconds: EVENT_CACHE_TTL_SECONDS,
    versionOf: (event) => event.version,
  });
  return {
    events: new EventRepository(ctx.dbs),
    ledger: new SeatLedgerRepository(ctx.dbs),
    seatBatches: new SeatBatchMetrics(ctx.metrics),
    cache,
    listingPages: listingPagesOf(ctx, cache),
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
