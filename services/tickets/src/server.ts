import { PURCHASE_TOPIC_OPTIONS } from '@boxoffice/contracts';
import { startService } from '@boxoffice/runtime';
import { createTicketsApp } from './app';
import { PendingOrderSweeper, buildTicketsDeps } from './domain';
import { subscribePurchaseConsumers } from './events';

void startService(
  {
    name: 'tickets',
    topics: PURCHASE_TOPIC_OPTIONS,
    buildDeps(ctx) {
      // Re-drives orders whose bus message was lost (docs/decisions/0014-pending-order-sweeper.md).
      new PendingOrderSweeper(ctx.dbs, ctx.config.PENDING_ORDER_SWEEP_MS, ctx.logger).start();
      return buildTicketsDeps(ctx);
    },
    createApp: createTicketsApp,
    subscribe: subscribePurchaseConsumers,
  },
  process.env,
);
