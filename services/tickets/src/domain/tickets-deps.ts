import type { Bus, ServiceContext } from '@boxoffice/shared';
import { OrderStore, TicketStore } from '../data-access';
import { OutcomeWaiter } from './outcome-waiter';

/** What the tickets use-cases need, built once per process. */
export interface TicketsDeps {
  orders: OrderStore;
  tickets: TicketStore;
  waiter: OutcomeWaiter;
  /** For the at-most-once `order.settled` wake-ups (domain events go through the outbox instead). */
  bus: Pick<Bus, 'publish'>;
}

export function createTicketsDeps(ctx: ServiceContext, bus: Pick<Bus, 'publish'>): TicketsDeps {
  return {
    orders: new OrderStore(ctx.dbs),
    tickets: new TicketStore(ctx.dbs),
    waiter: new OutcomeWaiter(),
    bus,
  };
}
