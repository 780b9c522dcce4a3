import { AppError, isUuid } from '@boxoffice/shared';
import type { EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';

export function eventNotFound(id: string): AppError {
  return new AppError('not_found', 'No such event', { details: { id: id.slice(0, 64) } });
}

/**
 * An event for display, cache-aside. A malformed id is simply an event that does not exist
 * (404), never a query. May be up to the cache TTL stale: never decide a purchase with it.
 */
export async function getEvent(deps: EventsDeps, id: string): Promise<EventRecord> {
  if (!isUuid(id)) throw eventNotFound(id);
  const key = id.toLowerCase();
  const event = await deps.cache.getOrLoad(key, () => deps.events.findById(key));
  if (!event) throw eventNotFound(id);
  return event;
}
