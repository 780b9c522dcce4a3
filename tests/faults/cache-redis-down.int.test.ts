import { TEST_REDIS_URL, TestStack, startTestStack } from '../support';
import { createEvent, get, newBuyer } from '../tickets/purchase-kit';
import { OwnRedis, startOwnRedis } from './fault-kit';

/**
 * The cache Redis (REDIS_URL, its own redis-server here) SIGKILLed. The bus stays on
 * the machine's Redis (BUS_URL), so only the cache is gone: reads go to the shards.
 */
describe('the cache Redis down', () => {
  let cache: OwnRedis;
  let stack: TestStack;

  beforeAll(async () => {
    cache = await startOwnRedis();
    stack = await startTestStack({ env: { REDIS_URL: cache.url, BUS_URL: TEST_REDIS_URL } });
    // Starting a stack takes past 120 s at load 25 on the two-core CI machine.
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await cache?.kill();
  });

  test('when the cache Redis is killed, then events, listings and profiles are still served from the shards (no 5xx), and again once it is back empty', async () => {
    const url = stack.gatewayUrl;
    const organizer = newBuyer();
    const event = await createEvent(url, 10, organizer);
    const warm = await get(url, `/api/events/${event.id}`); // now in the cache
    expect(warm.status).toBe(200);

    await cache.kill('SIGKILL');
    const reads = async () => {
      const started = Date.now();
      const one = await get(url, `/api/events/${event.id}`);
      const list = await get(url, '/api/events?limit=5');
      const tickets = await get(url, '/api/me/tickets', organizer);
      return { statuses: [one.status, list.status, tickets.status], one: one.body, ms: Date.now() - started };
    };
    for (let i = 0; i < 5; i++) {
      const down = await reads();
      expect(down.statuses).toEqual([200, 200, 200]);
      expect(down.one).toMatchObject({ id: event.id, title: warm.body.title, capacity: 10 });
    }

    await cache.start();
    const back = await reads();
    expect(back.statuses).toEqual([200, 200, 200]);
  });
});
