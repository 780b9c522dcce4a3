import { PURCHASE_TOPIC_OPTIONS, startMessaging, startService } from '@boxoffice/shared';
import { createEventsApp } from './app';
import { createEventsDeps } from './domain';
import { subscribePurchaseConsumers } from './events';

void startService(
  'events',
  async (ctx) => {
    const deps = createEventsDeps(ctx);
    const messaging = await startMessaging(ctx, PURCHASE_TOPIC_OPTIONS);
    await subscribePurchaseConsumers(messaging, deps);
    return createEventsApp(ctx, deps);
  },
  process.env,
);
