import type { InboxItem } from '@boxoffice/bus';
import type { TicketCancelled } from '@boxoffice/contracts';
import type { EventsDeps } from './events-deps';

export const RELEASE_SEAT_CONSUMER = 'events.release-seat';

/**
 * Step 5 of the purchase saga: a cancelled ticket gives its seat back to the event, once. The
 * reservation counts released seats, so it can never give back more than it took.
 */
export async function releaseSeat(deps: EventsDeps, item: InboxItem<TicketCancelled>): Promise<boolean> {
  const cancelled = item.payload;
  const [released = false] = await deps.ledger.applyOnce(RELEASE_SEAT_CONSUMER, [item], async (ledger) => [
    await ledger.releaseOne(cancelled.orderId),
  ]);
  if (released) await deps.cache.invalidate(cancelled.eventId);
  return released;
}
