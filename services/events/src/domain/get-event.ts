import { notFound } from '@boxoffice/shared';
import type { EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';

/**
 * An event for display, cache-aside (the id comes from `idParam`: a UUID, lower-cased). May be up
 * to the cache TTL stale: never decide a purchase with it.
 */
export async function getEvent(deps: EventsDeps, id: string): Promise<EventRecord> {
  const event = await deps.cache.getOrLoad(id, () => deps.events.findForDisplay(id));
  if (!event) throw notFound('event', id);
  return event;
}
