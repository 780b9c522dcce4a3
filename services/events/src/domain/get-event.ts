import { notFound } from '@boxoffice/platform';
import type { EventsDeps } from './events-deps';

/**
 * An event for display, cache-aside (the id comes from `idParam`: a UUID, lower-cased), as its
 * cached JSON text, unparsed: one copy held in memory is the same string on every hit, so a
 * reader can keep what it derives from it (the rendered page, api/event-pages.ts). May be up to
 * the cache TTL stale: never decide a purchase with it.
 */
export async function getEventJson(deps: EventsDeps, id: string): Promise<string> {
  const raw = await deps.cache.getRawOrLoad(id, () => deps.events.findForDisplay(id));
  if (raw === undefined) throw notFound('event', id);
  return raw;
}
