import { SagaFacts, findViolations } from '../lib/invariants';

/** A quiet, consistent system: one event of 10 seats, a confirmed order of 2 (one ticket cancelled), a rejected order. */
function consistent(): SagaFacts {
  return {
    events: [{ id: 'e1', capacity: 10, seatsSold: 1, heldByReservations: 1 }],
    orders: [
      { id: 'o1', eventId: 'e1', quantity: 2, status: 'confirmed', tickets: 2, activeTickets: 1 },
      { id: 'o2', eventId: 'e1', quantity: 1, status: 'rejected', tickets: 0, activeTickets: 0 },
    ],
    decisions: [
      { orderId: 'o1', quantity: 2, outcome: 'reserved', seatsReleased: 1 },
      { orderId: 'o2', quantity: 1, outcome: 'rejected', seatsReleased: 0 },
    ],
    activeTicketsByEvent: new Map([['e1', 1]]),
  };
}

const broken = (facts: SagaFacts) => findViolations(facts).violations.map((v) => v.invariant);

describe('the purchase invariants', () => {
  test('when the system is consistent, then there is no violation and the counts add up', () => {
    expect(findViolations(consistent())).toEqual({
      violations: [],
      counts: { events: 1, orders: 2, activeTickets: 1, pendingOrders: 0 },
    });
  });

  test('when an event is oversold, then capacity and both seat counts are flagged with its id', () => {
    const facts = consistent();
    facts.events[0] = { ...facts.events[0]!, seatsSold: 11 };
    const report = findViolations(facts);
    expect(report.violations.map((v) => v.invariant)).toEqual([
      'seats_sold within capacity',
      'seats_sold = seats held by reservations',
      'seats_sold = active tickets',
    ]);
    expect(report.violations[0]).toMatchObject({
      ids: { eventId: 'e1' },
      detail: 'seats_sold 11, capacity 10',
    });
  });

  test('when an order is still pending, then it is counted and flagged', () => {
    const facts = consistent();
    facts.orders.push({
      id: 'o3',
      eventId: 'e1',
      quantity: 1,
      status: 'pending',
      tickets: 0,
      activeTickets: 0,
    });
    const report = findViolations(facts);
    expect(report.counts.pendingOrders).toBe(1);
    expect(report.violations).toEqual([
      {
        invariant: 'every order is settled',
        ids: { orderId: 'o3', eventId: 'e1' },
        detail: 'order is still pending',
      },
    ]);
  });

  test('when a confirmed order has a missing ticket or no reservation, then each is flagged', () => {
    const facts = consistent();
    facts.orders[0] = { ...facts.orders[0]!, tickets: 1 };
    expect(broken(facts)).toEqual(['a confirmed order has one ticket per seat']);
    facts.decisions = facts.decisions.filter((d) => d.orderId !== 'o1');
    expect(broken(facts)).toContain('a confirmed order has a reservation');
  });

  test("when an order's active tickets differ from the seats its reservation holds, then it is flagged", () => {
    const facts = consistent();
    facts.decisions[0] = { ...facts.decisions[0]!, seatsReleased: 0 };
    expect(broken(facts)).toEqual(["an order's active tickets = the seats it holds"]);
  });

  test('when a rejected order has tickets or reserved seats, then each is flagged', () => {
    const facts = consistent();
    facts.orders[1] = { ...facts.orders[1]!, tickets: 1 };
    facts.decisions[1] = { ...facts.decisions[1]!, outcome: 'reserved' };
    expect(broken(facts)).toEqual(['a rejected order has no tickets', 'a rejected order holds no seats']);
  });
});
