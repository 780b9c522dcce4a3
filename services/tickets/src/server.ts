import { PURCHASE_TOPIC_OPTIONS, startService } from '@boxoffice/shared';
import { createTicketsApp } from './app';
import { buildTicketsDeps } from './domain';
import { subscribePurchaseConsumers } from './events';

void startService(
  {
    name: 'tickets',
    topics: PURCHASE_TOPIC_OPTIONS,
    buildDeps: buildTicketsDeps,
    createApp: createTicketsApp,
    subscribe: subscribePurchaseConsumers,
  },
  process.env,
);
