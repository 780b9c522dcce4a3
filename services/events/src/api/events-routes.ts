import { Router } from 'express';
import { idParam, parseInput, requireIdentity, signedInUser } from '@boxoffice/shared';
import { EventsDeps, createEvent, getEventJson, listEvents, updateEvent } from '../domain';
import { etagOf, parseIfMatch } from './entity-tags';
import { createEventBody, listEventsQuery, updateEventBody } from './event-schemas';
import { eventJson } from './event-json';
import { EventPages } from './event-pages';

/** The public events API (DESIGN §6). Routes parse, delegate to a use-case, and reply. */
export function eventsRoutes(deps: EventsDeps, internalKeys: readonly string[]): Router {
  const router = Router();
  const signedIn = requireIdentity(internalKeys);
  const pages = new EventPages();

  router.post('/api/events', signedIn, async (req, res) => {
    const organizerId = signedInUser(res);
    const input = parseInput(createEventBody, req.body, 'body');
    const event = await createEvent(deps, organizerId, input);
    res.status(201).location(`/api/events/${event.id}`).set('ETag', etagOf(event)).json(eventJson(event));
  });

  router.get('/api/events', async (req, res) => {
    const query = parseInput(listEventsQuery, req.query, 'query');
    const page = await listEvents(deps, query);
    const body = { items: page.items.map(eventJson), nextCursor: page.nextCursor };
    if (page.unavailableShards.length > 0) {
      req.log.warn({ shards: page.unavailableShards }, 'event listing is partial: shards unavailable');
      res.json({ ...body, partial: true, unavailableShards: page.unavailableShards });
      return;
    }
    res.json(body);
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
