import { newId } from '@boxoffice/platform';
import { decideOrders } from '../../services/events/src';
import { OutcomeWaiter, preferredWaitSeconds } from '../../services/tickets/src';

const onSale = (capacity: number, seatsSold = 0) => ({ status: 'on_sale' as const, capacity, seatsSold });
const request = (eventId: string, quantity: number) => ({
  orderId: newId(),
  buyerId: newId(),
  eventId,
  quantity,
});

describe('decideOrders (first come, first served)', () => {
  const eventId = newId();

  test('when requests exceed the seats left, then the earliest get them and the rest are sold_out', () => {
    const requests = [request(eventId, 2), request(eventId, 2), request(eventId, 1), request(eventId, 1)];
    const { decisions, seatsTaken } = decideOrders(requests, new Map([[eventId, onSale(10, 5)]]), new Map());
    expect(decisions.map((d) => d.reason ?? d.outcome)).toEqual([
      'reserved',
      'reserved',
      'reserved',
      'sold_out',
    ]);
    expect(seatsTaken.get(eventId)).toBe(5);
  });

  test('when a big order does not fit, then a smaller one behind it still can', () => {
    const requests = [request(eventId, 3), request(eventId, 1)];
    const { decisions } = decideOrders(requests, new Map([[eventId, onSale(2)]]), new Map());
    expect(decisions.map((d) => d.reason ?? d.outcome)).toEqual(['sold_out', 'reserved']);
  });

  test('when the event is unknown or not on sale, then the reason says so and no seat is taken', () => {
    const cancelled = newId();
    const { decisions, seatsTaken } = decideOrders(
      [request(newId(), 1), request(cancelled, 1)],
      new Map([[cancelled, { status: 'cancelled' as const, capacity: 9, seatsSold: 0 }]]),
      new Map(),
    );
    expect(decisions.map((d) => d.reason)).toEqual(['event_not_found', 'not_on_sale']);
    expect(seatsTaken.size).toBe(0);
  });

  test('when an order was decided before or appears twice, then it keeps one decision and takes seats once', () => {
    const first = request(eventId, 1);
    const earlier = { ...first, outcome: 'rejected' as const, reason: 'sold_out' };
    const again = request(eventId, 2);
    const { decisions, fresh, seatsTaken } = decideOrders(
      [first, again, again],
      new Map([[eventId, onSale(10)]]),
      new Map([[first.orderId, earlier]]),
    );
    expect(decisions.map((d) => d.outcome)).toEqual(['rejected', 'reserved', 'reserved']);
    expect(fresh).toHaveLength(1);
    expect(seatsTaken.get(eventId)).toBe(2);
  });
});

describe('Prefer: wait', () => {
  test.each([
    [undefined, 2],
    ['wait=5', 5],
    ['respond-async, wait=7', 7],
    ['wait="3"', 3],
    ['wait=0', 0],
    ['wait=60', 10],
    ['wait=abc', 2],
    ['handling=strict', 2],
    ['nowait=5', 2],
  ])('when Prefer is %p, then the wait is %p seconds', (prefer, seconds) => {
    expect(preferredWaitSeconds(prefer)).toBe(seconds);
  });
});

describe('OutcomeWaiter', () => {
  test('when the outcome is announced, then every waiter for that order wakes, and no other', async () => {
    const waiter = new OutcomeWaiter();
    const a = waiter.wait('order-1', 5000);
    const b = waiter.wait('order-1', 5000);
    const other = waiter.wait('order-2', 50);
    const outcome = { status: 'confirmed' as const, ticketIds: [] };
    waiter.notify('order-1', outcome);
    expect(await a.settled).toEqual({ woken: true, outcome });
    expect(await b.settled).toEqual({ woken: true, outcome });
    expect(await other.settled).toEqual({ woken: false });
    expect(waiter.size).toBe(0);
  });

  test('when a wait is cancelled, then nothing is left registered', () => {
    const waiter = new OutcomeWaiter();
    waiter.wait('order-3', 5000).cancel();
    expect(waiter.size).toBe(0);
  });
});
