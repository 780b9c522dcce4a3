import { LRUCache } from 'lru-cache';
import { type Registry, Counter } from 'prom-client';
import { ThumbnailFormat, ThumbnailWidth, resizeImage } from './image-codec';

export interface ThumbnailMakerOptions {
  /** Resizes (and upload decodes) at once; more wait their turn. */
  concurrency: number;
  /** Bytes of variants kept; 0 keeps none. */
  cacheBytes: number;
  maxPixels: number;
  metrics?: Registry;
}

/** Which variant: the event's image version makes the key of a replaced image a new key. */
export interface VariantKey {
  eventId: string;
  version: number;
  width: ThumbnailWidth;
  format: ThumbnailFormat;
}

/**
 * The talk's on-demand thumbnails, per machine: a variant is made the first time this process is
 * asked for it and kept in this process's memory (least recently used out first, bounded in
 * bytes). Another instance that is asked simply makes it again: no shared thumbnail store.
 * A burst of requests for one cold variant makes it once (single-flight), and at most
 * `concurrency` resizes run at once, so cold sizes cannot take every libuv thread from pg.
 */
export class ThumbnailMaker {
  private readonly variants: LRUCache<string, Buffer> | undefined;
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly slots: Semaphore;
  private readonly made?: Counter;

  constructor(private readonly options: ThumbnailMakerOptions) {
    this.slots = new Semaphore(options.concurrency);
    if (options.cacheBytes > 0) {
      this.variants = new LRUCache<string, Buffer>({
        maxSize: options.cacheBytes,
        sizeCalculation: (bytes) => Math.max(1, bytes.length),
      });
    }
    if (options.metrics) {
      this.made = new Counter({
        name: 'thumbnails_total',
        help: 'Thumbnail requests by where the bytes came from (memory, made, joined: waited for a resize already running).',
        labelNames: ['source'],
        registers: [options.metrics],
      });
    }
  }

  /** The variant's bytes: from memory, or made from the original `loadOriginal` returns. */
  async variant(
    key: VariantKey,
    loadOriginal: () => Promise<Buffer | undefined>,
  ): Promise<Buffer | undefined> {
    const id = `${key.eventId}:${key.version}:${key.width}:${key.format}`;
    const cached = this.variants?.get(id);
    if (cached) {
      this.made?.inc({ source: 'memory' });
      return cached;
    }
    const running = this.inFlight.get(id);
    if (running) {
      this.made?.inc({ source: 'joined' });
      return running;
    }
    const original = await loadOriginal();
    if (!original) return undefined;
    const again = this.inFlight.get(id); // another request started it while we loaded the original
    if (again) return again;
    const making = this.run(() => resizeImage(original, key.width, key.format, this.options.maxPixels))
      .then((bytes) => {
        this.variants?.set(id, bytes);
        this.made?.inc({ source: 'made' });
        return bytes;
      })
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, making);
    return making;
  }

  /** Runs CPU-heavy image work within the concurrency bound (uploads' decodes use it too). */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.slots.use(work);
  }
}

/** At most `size` tasks at once, the rest in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
