import { newId } from '@boxoffice/platform';
import type { EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';

export interface NewEventInput {
  title: string;
  venue: string;
  startsAt: Date;
  capacity: number;
  description: string;
}

/**
 * Creates an event, on sale at once, on the shard its new random id names. Nobody can have cached
 * (even as "absent") an id that did not exist a moment ago, but listing pages must show it: the
 * invalidation's broadcast makes every process drop its cached pages (deps.listingPages).
 */
export async function createEvent(
  deps: EventsDeps,
  organizerId: string,
  input: NewEventInput,
): Promise<EventRecord> {
  const event = await deps.events.insert({ id: newId(), organizerId, ...input, status: 'on_sale' });
  await deps.cache.invalidate(event.id, event.version);
  return event;
}
