import { pick } from '../rng';
import { BrowseSteps } from './browse-steps';
import { PurchaseSteps, seedBuyers } from './purchase-steps';
import type { Scenario } from './scenario';
import { seedEvents } from './seed-events';

/** A day on the site: mostly browsing, some buyers checking their tickets, a few purchases. */
export const mixed: Scenario = {
  name: 'mixed',
  description: '80% browse (listing and event pages), 15% my tickets and my orders, 5% purchases of 1 seat',
  buys: true,
  async prepare(ctx) {
    const eventIds = await seedEvents(ctx, { title: 'Mixed', capacity: 500 });
    const buyers = await seedBuyers(ctx, ctx.options.buyers);
    const browsing = new BrowseSteps(eventIds, ctx.shards);
    const buying = new PurchaseSteps(buyers, ctx.shards);
    return {
      async iterate(vu) {
        const r = vu.random();
        if (r < 0.8) return browsing.step(vu);
        if (r < 0.875) return buying.myTickets(vu);
        if (r < 0.95) return buying.myOrder(vu);
        return buying.order(vu, pick(vu.random, eventIds), 1);
      },
      async finish() {
        const late = await buying.settlePending();
        const o = buying.outcomes;
        return [
          `orders answered: ${o.confirmed} confirmed (201), ${o.rejected} rejected (409), ${o.pending} pending (202), ${o.failed} other`,
          `pending orders afterwards: ${late.confirmed} confirmed, ${late.rejected} rejected, ${late.pending} still pending after 15 s`,
        ];
      },
    };
  },
};
