import { Registry } from 'prom-client';
import { LoadedPage, PageCache } from '@boxoffice/cache';

const page = (text: string, keep = true): LoadedPage => ({ body: Buffer.from(text), keep });

function cacheOf(ttlMs = 10_000) {
  const metrics = new Registry();
  const cache = new PageCache({ entity: 'listing', ttlMs, maxEntries: 10, maxBytes: 1 << 20, metrics });
  const counts = async () =>
    Object.fromEntries(
      (await metrics.getSingleMetric('cache_requests_total')!.get()).values.map((v) => [
        v.labels.result,
        v.value,
      ]),
    );
  return { cache, counts };
}

/** A load that resolves when told to, counting how often it ran. */
function gatedLoad(text: string, keep = true) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const load = jest.fn(async () => {
    await gate;
    return page(text, keep);
  });
  return { load, open };
}

describe('PageCache', () => {
  test('when a page was loaded, then the next lookup is served from memory without loading', async () => {
    const { cache, counts } = cacheOf();
    const load = jest.fn(async () => page('one'));
    expect((await cache.getOrLoad('k', load)).toString()).toBe('one');
    expect((await cache.getOrLoad('k', load)).toString()).toBe('one');
    expect(load).toHaveBeenCalledTimes(1);
    expect(await counts()).toEqual({ miss: 1, hit: 1 });
  });

  test('when many look up one missing key at once, then one load answers them all', async () => {
    const { cache } = cacheOf();
    const { load, open } = gatedLoad('shared');
    const answers = Array.from({ length: 5 }, () => cache.getOrLoad('k', load));
    open();
    expect((await Promise.all(answers)).map(String)).toEqual(Array(5).fill('shared'));
    expect(load).toHaveBeenCalledTimes(1);
  });

  test('when a clear overtakes a load, then its callers get the answer but it is not kept', async () => {
    const { cache } = cacheOf();
    const before = gatedLoad('before the write');
    const answer = cache.getOrLoad('k', before.load);
    cache.clear();
    // A lookup after the clear does not join the older flight.
    const after = jest.fn(async () => page('after the write'));
    expect((await cache.getOrLoad('k', after)).toString()).toBe('after the write');
    before.open();
    expect((await answer).toString()).toBe('before the write');
    expect((await cache.getOrLoad('k', after)).toString()).toBe('after the write');
    expect(after).toHaveBeenCalledTimes(1);
  });

  test('when a load says not to keep its page (a partial listing), then the next lookup loads again', async () => {
    const { cache } = cacheOf();
    const load = jest.fn(async () => page('partial', false));
    await cache.getOrLoad('k', load);
    await cache.getOrLoad('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('when a load fails, then its callers see the error and the next lookup loads again', async () => {
    const { cache } = cacheOf();
    await expect(cache.getOrLoad('k', () => Promise.reject(new Error('shards down')))).rejects.toThrow(
      'shards down',
    );
    expect((await cache.getOrLoad('k', async () => page('back'))).toString()).toBe('back');
  });

  test('when its lifetime has passed, then the page is loaded again', async () => {
    const { cache } = cacheOf(50);
    const load = jest.fn(async () => page('x'));
    await cache.getOrLoad('k', load);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await cache.getOrLoad('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
