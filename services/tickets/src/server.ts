import { PURCHASE_TOPIC_OPTIONS, startMessaging, startService } from '@boxoffice/shared';
import { createTicketsApp } from './app';
import { createTicketsDeps } from './domain';
import { subscribePurchaseConsumers } from './events';

void startService(
  'tickets',
  async (ctx) => {
    const messaging = await startMessaging(ctx, PURCHASE_TOPIC_OPTIONS);
    const deps = createTicketsDeps(ctx, messaging.bus);
    await subscribePurchaseConsumers(messaging, deps);
    return createTicketsApp(ctx, deps);
  },
  process.env,
);
