import { PURCHASE_TOPIC_OPTIONS } from '@boxoffice/contracts';
import { startService } from '@boxoffice/runtime';
import { createEventsApp } from './app';
import { buildEventsDeps } from './domain';
import { subscribePurchaseConsumers } from './events';

void startService(
  {
    name: 'events',
    topics: PURCHASE_TOPIC_OPTIONS,
    buildDeps: buildEventsDeps,
    createApp: createEventsApp,
    subscribe: subscribePurchaseConsumers,
  },
  process.env,
);
