import { ApiClient } from '../../api/api-client';
import { PurchaseSteps, seedBuyers } from './purchase-steps';
import type { Scenario } from './scenario';
import { loadEvent, seedOrganizer } from './seed-events';

/** Many buyers, one hot event: the saga's conditional seat update under contention. */
export const rush: Scenario = {
  name: 'rush',
  description:
    'every virtual user buys 1–2 seats of one hot event (POST /api/orders, Prefer: wait=2) until and after it sells out',
  buys: true,
  async prepare(ctx) {
    const organizer = await seedOrganizer(ctx);
    const capacity = ctx.options.capacity;
    const eventId = (await organizer.client.createEvent(loadEvent(`Rush ${ctx.runId}`, capacity, 7))).id;
    const buyers = await seedBuyers(ctx, ctx.options.buyers);
    const steps = new PurchaseSteps(buyers, ctx.shards);
    return {
      iterate: (vu) => steps.order(vu, eventId, vu.random() < 0.2 ? 2 : 1),
      async finish() {
        const late = await steps.settlePending();
        const event = await new ApiClient(ctx.apiUrl).getJson<{ seatsSold?: number }>(
          `/api/events/${eventId}`,
        );
        const sold = event.seatsSold ?? NaN;
        const o = steps.outcomes;
        const notes = [
          `hot event ${eventId}: capacity ${capacity}, seats sold ${sold}`,
          `orders answered: ${o.confirmed} confirmed (201), ${o.rejected} rejected (409), ${o.pending} pending (202), ${o.failed} other`,
          `pending orders afterwards: ${late.confirmed} confirmed, ${late.rejected} rejected, ${late.pending} still pending after 15 s`,
        ];
        if (sold > capacity) notes.push(`VIOLATION: seats sold ${sold} > capacity ${capacity}`);
        const held = steps.confirmedSeats.count + late.confirmedSeats;
        if (late.pending === 0 && held !== sold) {
          notes.push(`MISMATCH: confirmed orders hold ${held} seats but the event says ${sold} sold`);
        }
        return notes;
      },
    };
  },
};
