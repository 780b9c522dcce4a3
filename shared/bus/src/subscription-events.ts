import type { Envelope } from './envelope';
import type { DeliveryContext } from './subscribe-options';

/** What a subscription reports to its bus (which re-emits it to the service). */
export interface SubscriptionEvents {
  error(err: unknown): void;
  handlerError(err: unknown, message: Envelope | undefined, context: DeliveryContext): void;
  deadLettered(reason: string, context: DeliveryContext): void;
}
