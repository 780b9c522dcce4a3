import { Router } from 'express';
import {
  IDENTITY_HEADER,
  type InternalAuth,
  idParam,
  parseInput,
  requireIdentity,
  signedInUser,
} from '@boxoffice/platform';
import { currentReadContext } from '@boxoffice/sharding';
import { type LoadedPage } from '@boxoffice/cache';
import { EventsDeps, ListEventsQuery, createEvent, getEventJson, listEvents, updateEvent } from '../domain';
import { etagOf, parseIfMatch } from './entity-tags';
import { createEventBody, listEventsQuery, updateEventBody } from './event-schemas';
import { eventJson } from './event-json';
import { EventPages } from './event-pages';

/** One listing page's cache key: every field of the parsed query, in a fixed order. */
function listingKey(query: ListEventsQuery): string {
  return [
    query.limit,
    query.cursor ?? '',
    query.from?.toISOString() ?? '',
    query.to?.toISOString() ?? '',
  ].join('|');
}

/** The public events API (docs/architecture.md, The public API). Routes parse, delegate to a use-case, and reply. */
export function eventsRoutes(deps: EventsDeps, auth: InternalAuth): Router {
  const router = Router();
  const signedIn = requireIdentity(auth);
  const pages = new EventPages();

  router.post('/api/events', signedIn, async (req, res) => {
    const organizerId = signedInUser(res);
    const input = parseInput(createEventBody, req.body, 'body');
    const event = await createEvent(deps, organizerId, input);
    res.status(201).location(`/api/events/${event.id}`).set('ETag', etagOf(event)).json(eventJson(event));
  });

  router.get('/api/events', async (req, res) => {
    const query = parseInput(listEventsQuery, req.query, 'query');
    const render = async (): Promise<LoadedPage> => {
      const page = await listEvents(deps, query);
      const body = { items: page.items.map(eventJson), nextCursor: page.nextCursor };
      if (page.unavailableShards.length === 0) return { body: Buffer.from(JSON.stringify(body)), keep: true };
      req.log.warn({ shards: page.unavailableShards }, 'event listing is partial: shards unavailable');
      const partial = { ...body, partial: true, unavailableShards: page.unavailableShards };
      return { body: Buffer.from(JSON.stringify(partial)), keep: false };
    };
    const cache = deps.listingPages;
    // A signed-in caller, or one pinned to the primaries after a write, always reads the shards:
    // whoever just wrote sees it, whichever instance answers.
    const readsShards =
      req.get(IDENTITY_HEADER) !== undefined || (currentReadContext()?.positions.size ?? 0) > 0;
    if (cache && readsShards) cache.bypass();
    const bytes =
      cache && !readsShards ? await cache.getOrLoad(listingKey(query), render) : (await render()).body;
    res.set('Content-Type', 'application/json; charset=utf-8').send(bytes);
  });

  router.get('/api/events/:id', async (req, res) => {
    const page = pages.of(await getEventJson(deps, idParam(req, 'event')));
    // The type res.json would set; Express answers 304 itself when If-None-Match names the ETag.
    res.set({ 'Content-Type': 'application/json; charset=utf-8', ETag: page.etag }).send(page.body);
  });

  router.patch('/api/events/:id', signedIn, async (req, res) => {
    const userId = signedInUser(res);
    const changes = parseInput(updateEventBody, req.body, 'body');
    const event = await updateEvent(deps, {
      id: idParam(req, 'event'),
      userId,
      changes,
      expectedVersions: parseIfMatch(req.get('if-match')),
    });
    res.set('ETag', etagOf(event)).json(eventJson(event));
  });

  return router;
}
