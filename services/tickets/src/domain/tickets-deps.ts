import type { Bus } from '@boxoffice/bus';
import type { ServiceContext } from '@boxoffice/runtime';
import { OrderRepository, TicketRepository } from '../data-access';
import { OutcomeWaiter } from './outcome-waiter';

/** What the tickets use-cases need, built once per process from the service context. */
export interface TicketsDeps {
  orders: OrderRepository;
  tickets: TicketRepository;
  waiter: OutcomeWaiter;
  /** For the at-most-once `orders.settled` wake-ups (domain events go through the outbox instead). */
  bus: Pick<Bus, 'publish'>;
}

export function buildTicketsDeps(ctx: ServiceContext): TicketsDeps {
  if (!ctx.messaging) throw new Error('the tickets service needs the bus: create its context with topics');
  return {
    orders: new OrderRepository(ctx.dbs),
    tickets: new TicketRepository(ctx.dbs),
    waiter: new OutcomeWaiter(),
    bus: ctx.messaging.bus,
  };
}
