import { newId } from '@boxoffice/platform';
import { countShardQueries } from '@boxoffice/runtime';
import { TestEnv, createTestEnv } from '../support';
import { EventsHarness, identityOf, startEvents } from './events-test-kit';

/**
 * The listing's page cache (CACHE_LISTING_TTL_MS, docs/caching.md) with two events processes on
 * the same shards, Redis and bus, as behind the gateway: a hot anonymous page is answered from
 * memory, and a new event shows in the other process's listing as soon as the broadcast arrives.
 */
describe('the event listing, cached per process', () => {
  let env: TestEnv;
  let writer: EventsHarness;
  let reader: EventsHarness;
  let readerQueries: () => Record<string, number>;
  const organizer = newId();
  const queriesSoFar = () => Object.values(readerQueries()).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    env = await createTestEnv({ services: ['events'] });
    // A lifetime far beyond the test: only a clear can make a new event appear.
    const overrides = { CACHE_LISTING_TTL_MS: '60000' };
    writer = await startEvents({ env, overrides });
    reader = await startEvents({ env, overrides });
    await Promise.all([writer.service.ctx.invalidations.start(), reader.service.ctx.invalidations.start()]);
    readerQueries = countShardQueries(reader.service.ctx.dbs);
    await writer.createEvent(organizer);
    // Let that creation's broadcast reach the reader before the first test fills its pages.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await env?.cleanup();
  });

  const idsOf = (body: { items: { id: string }[] }) => body.items.map((e) => e.id);

  test('when an anonymous reader asks for a page again, then it is answered from memory without asking a shard', async () => {
    const first = await reader.call('GET', '/api/events?limit=50');
    expect(first.status).toBe(200);
    const before = queriesSoFar();
    const again = await reader.call('GET', '/api/events?limit=50');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(queriesSoFar()).toBe(before);
    // Another page (another query) is a page of its own.
    await reader.call('GET', '/api/events?limit=49');
    expect(queriesSoFar()).toBeGreaterThan(before);
  });

  test('when another process creates an event, then this process drops its pages on the broadcast and lists it', async () => {
    await reader.call('GET', '/api/events?limit=50'); // cached now
    const created = await writer.createEvent(organizer);
    const deadline = Date.now() + 5000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = idsOf((await reader.call('GET', '/api/events?limit=50')).body);
      if (ids.includes(created.id)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ids).toContain(created.id);
  });

  test('when an event changes in another process, then the listing shows the change', async () => {
    const event = await writer.createEvent(organizer);
    await reader.call('GET', '/api/events?limit=50');
    const renamed = await writer.call('PATCH', `/api/events/${event.id}`, {
      userId: organizer,
      body: { title: 'Renamed while cached' },
    });
    expect(renamed.status).toBe(200);
    const deadline = Date.now() + 5000;
    let title: unknown;
    while (Date.now() < deadline) {
      const body = (await reader.call('GET', '/api/events?limit=50')).body as {
        items: { id: string; title: string }[];
      };
      title = body.items.find((e) => e.id === event.id)?.title;
      if (title === 'Renamed while cached') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(title).toBe('Renamed while cached');
  });

  test('when the reader is signed in, then it always reads the shards (whoever just wrote sees it)', async () => {
    await reader.call('GET', '/api/events?limit=50');
    const before = queriesSoFar();
    const res = await reader.call('GET', '/api/events?limit=50', { headers: identityOf(newId()) });
    expect(res.status).toBe(200);
    expect(queriesSoFar()).toBeGreaterThan(before);
  });

  test('when the query is bad, then it is a 400 naming the problem, cached or not', async () => {
    const res = await reader.call('GET', '/api/events?limit=abc');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/limit/);
  });
});
