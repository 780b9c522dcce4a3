import { Envelope, ticketCancelledSchema } from '@boxoffice/shared';
import type { EventsDeps } from './events-deps';

export const RELEASE_SEAT_CONSUMER = 'events.release-seat';

/**
 * Step 5 of the purchase saga: a cancelled ticket gives its seat back to the event, once. The
 * reservation counts released seats, so it can never give back more than it took.
 */
export async function releaseSeat(deps: EventsDeps, message: Envelope): Promise<boolean> {
  const cancelled = ticketCancelledSchema.parse(message.payload);
  const shard = deps.ledger.shardOf(cancelled.eventId);
  const released = await deps.ledger.onShard(shard, RELEASE_SEAT_CONSUMER, [message.id], (ledger) =>
    ledger.fresh.has(message.id) ? ledger.releaseOne(cancelled.orderId) : Promise.resolve(false),
  );
  if (released) await deps.cache.invalidate(cancelled.eventId);
  return released;
}
