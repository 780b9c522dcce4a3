import { newId } from '@boxoffice/platform';
import { EventBody, EventsHarness, startEvents } from './events-test-kit';

interface Page {
  items: EventBody[];
  nextCursor: string | null;
  partial?: boolean;
}

const HOUR = 3_600_000;

describe('GET /api/events', () => {
  let events: EventsHarness;
  const organizer = newId();

  beforeAll(async () => {
    events = await startEvents();
  });

  afterAll(async () => {
    await events?.close();
  });

  /** A time window of its own per test, far in the future, so tests don't see each other's events. */
  function windowStart(yearsAhead: number): number {
    return Date.UTC(2040 + yearsAhead, 0, 1);
  }

  async function createMany(count: number, startsAtOf: (i: number) => number): Promise<EventBody[]> {
    const created: EventBody[] = [];
    for (let i = 0; i < count; i += 25) {
      const batch = Array.from({ length: Math.min(25, count - i) }, (_, j) =>
        events.createEvent(organizer, { startsAt: new Date(startsAtOf(i + j)).toISOString() }),
      );
      created.push(...(await Promise.all(batch)));
    }
    return created;
  }

  async function pageThrough(query: string): Promise<{ pages: Page[]; seen: EventBody[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/events?${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await events.call('GET', url);
      expect(res.status).toBe(200);
      pages.push(res.body as Page);
      cursor = (res.body as Page).nextCursor;
      if (pages.length > 1000) throw new Error('the listing never ends');
    } while (cursor);
    return { pages, seen: pages.flatMap((p) => p.items) };
  }

  const byPosition = (a: EventBody, b: EventBody) =>
    Date.parse(a.startsAt) - Date.parse(b.startsAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  test('when 300 events are spread over every shard, then paging sees each exactly once, in (startsAt, id) order', async () => {
    const start = windowStart(0);
    // Groups of five share an instant, so the id tie-break is exercised across shards too.
    const created = await createMany(300, (i) => start + Math.floor(i / 5) * HOUR);
    const shards = new Set(created.map((e) => events.service.ctx.router.shardForKey(e.id).name));
    expect(shards.size).toBe(4);

    const from = new Date(start).toISOString();
    const to = new Date(start + 365 * 24 * HOUR).toISOString();
    const { pages, seen } = await pageThrough(`limit=7&from=${from}&to=${to}`);

    expect(seen.map((e) => e.id)).toEqual([...created].sort(byPosition).map((e) => e.id));
    expect(new Set(seen.map((e) => e.id)).size).toBe(300);
    expect(pages).toHaveLength(Math.ceil(300 / 7));
    expect(pages.slice(0, -1).every((p) => p.items.length === 7)).toBe(true);
    expect(pages.every((p) => p.partial === undefined)).toBe(true);
  });

  test('when no limit is given, then a page holds 20 and the last page has no nextCursor', async () => {
    const start = windowStart(1);
    await createMany(25, (i) => start + i * HOUR);
    const query = `from=${new Date(start).toISOString()}&to=${new Date(start + 100 * HOUR).toISOString()}`;
    const { pages } = await pageThrough(query);
    expect(pages.map((p) => p.items.length)).toEqual([20, 5]);
    expect(pages[1]!.nextCursor).toBeNull();
  });

  test('when the page is filled exactly, then nextCursor is null rather than pointing at an empty page', async () => {
    const start = windowStart(2);
    await createMany(10, (i) => start + i * HOUR);
    const query = `limit=10&from=${new Date(start).toISOString()}&to=${new Date(start + 10 * HOUR).toISOString()}`;
    const { pages } = await pageThrough(query);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.items).toHaveLength(10);
  });

  test('when from and to are given, then from is inclusive and to is exclusive', async () => {
    const start = windowStart(3);
    const created = await createMany(5, (i) => start + i * HOUR);
    const from = new Date(start + HOUR).toISOString();
    const to = new Date(start + 4 * HOUR).toISOString();
    const { seen } = await pageThrough(`from=${from}&to=${to}`);
    expect(seen.map((e) => e.id)).toEqual(created.slice(1, 4).map((e) => e.id));
  });

  test('when an event is a draft, then it is not listed; cancelled events are, with their status', async () => {
    const start = windowStart(4);
    const [draft, cancelled, onSale] = await createMany(3, (i) => start + i * HOUR);
    for (const [event, status] of [
      [draft!, 'draft'],
      [cancelled!, 'cancelled'],
    ] as const) {
      const res = await events.call('PATCH', `/api/events/${event.id}`, {
        userId: organizer,
        body: { status },
      });
      expect(res.status).toBe(200);
    }
    const { seen } = await pageThrough(
      `from=${new Date(start).toISOString()}&to=${new Date(start + 3 * HOUR).toISOString()}`,
    );
    expect(seen.map((e) => [e.id, e.status])).toEqual([
      [cancelled!.id, 'cancelled'],
      [onSale!.id, 'on_sale'],
    ]);
  });

  test('when an event is listed, then its entry is the event itself as GET /api/events/:id answers it, to the millisecond', async () => {
    const start = windowStart(5);
    // Milliseconds that a float would round (.291, .999) and ones with trailing zeros (.100, .000).
    const created = await createMany(4, (i) => start + [291, 999, 100, 0][i]! + i * HOUR);
    const { seen } = await pageThrough(`from=${new Date(start).toISOString()}&limit=3`);
    const own = await Promise.all(created.map((e) => events.call('GET', `/api/events/${e.id}`)));
    expect(seen).toEqual(own.map((res) => res.body));
    expect(seen.map((e) => e.startsAt)).toEqual(created.map((e) => e.startsAt));
  });

  test('when the window is empty, then the answer is an empty page', async () => {
    const res = await events.call('GET', '/api/events?from=2099-01-01T00:00:00Z&to=2099-01-02T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});
