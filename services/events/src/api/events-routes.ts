import { Router } from 'express';
import { idParam, parseInput, requireIdentity, signedInUser } from '@boxoffice/shared';
import { EventsDeps, createEvent, getEvent, listEvents, updateEvent } from '../domain';
import { etagOf, parseIfMatch } from './entity-tags';
import { createEventBody, listEventsQuery, updateEventBody } from './event-schemas';
import { eventJson } from './event-json';

/** The public events API (DESIGN §6). Routes parse, delegate to a use-case, and reply. */
export function eventsRoutes(deps: EventsDeps, internalKeys: readonly string[]): Router {
  const router = Router();
  const signedIn = requireIdentity(internalKeys);

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
    const event = await getEvent(deps, idParam(req, 'event'));
    // Express answers 304 itself when If-None-Match names this ETag.
    res.set('ETag', etagOf(event)).json(eventJson(event));
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
