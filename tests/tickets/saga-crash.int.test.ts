import { checkInvariantsWhenQuiet } from '@boxoffice/devstack';
import { TestStack, startTestStack } from '../support';
import { Buyer, createEvent, get, newBuyer, order, settledOrder } from './purchase-kit';

const WAVES = 6;
const WAVE_SIZE = 20;
const CAPACITY = 60;

/**
 * Nothing lost: a service SIGKILLed in the middle of a burst (no graceful shutdown, messages
 * delivered but unacknowledged, outbox rows unrelayed) and restarted. Every order the API
 * acknowledged settles, and so does every order written just before the kill whose answer never
 * arrived; the invariant check covers those too, since it reads every order on every shard.
 */
describe('the purchase saga when a service is SIGKILLed during a burst', () => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    // Short leases so the restarted consumer takes the dead one's partitions in seconds, not 10 s.
    stack = await startTestStack({ env: { BUS_LEASE_MS: '1500', BUS_VISIBILITY_TIMEOUT_MS: '3000' } });
    url = stack.gatewayUrl;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function burstKillingMidway(victim: string): Promise<void> {
    const event = await createEvent(url, CAPACITY);
    const acknowledged: { buyer: Buyer; orderId: string }[] = [];
    const refused: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const buyers = Array.from({ length: WAVE_SIZE }, newBuyer);
      // The kill lands while this wave's requests are in flight.
      const killing =
        wave === 2 ? new Promise((r) => setTimeout(r, 15)).then(() => stack.kill(victim)) : undefined;
      const responses = await Promise.all(
        buyers.map((buyer) => order(url, buyer, { eventId: event.id, quantity: 1 }, { prefer: 'wait=0' })),
      );
      await killing;
      responses.forEach((res, i) => {
        if ([201, 202, 409].includes(res.status))
          acknowledged.push({ buyer: buyers[i]!, orderId: res.body.id });
        else refused.push(res.status);
      });
      if (wave === 3) await stack.restart(victim);
    }

    // A request refused while the victim was down was never acknowledged; it must say so cleanly.
    expect(refused.every((status) => [502, 503].includes(status))).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(WAVE_SIZE * 3);

    const settled = [];
    for (const { buyer, orderId } of acknowledged)
      settled.push(await settledOrder(url, buyer, orderId, 60_000));
    const confirmed = settled.filter((o) => o.status === 'confirmed').length;
    expect(settled.every((o) => o.status === 'confirmed' || o.reason === 'sold_out')).toBe(true);
    const report = await checkInvariantsWhenQuiet(stack.env.topology, 60_000);
    expect(report.violations).toEqual([]);
    const seatsSold = (await get(url, `/api/events/${event.id}`)).body.seatsSold;
    expect(seatsSold).toBeLessThanOrEqual(CAPACITY);
    expect(seatsSold).toBeGreaterThanOrEqual(confirmed);
  }

  test('when the tickets service is killed and restarted, then every order settles and the invariants hold', async () => {
    await burstKillingMidway('tickets-1');
  });

  test('when the events service is killed and restarted, then every order settles and the invariants hold', async () => {
    await burstKillingMidway('events-1');
  });
});
