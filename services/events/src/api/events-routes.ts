import { ErrorRequestHandler, Router } from 'express';
import { AppError, parseInput, requireIdentity } from '@boxoffice/shared';
import { EventsDeps, createEvent, getEvent, listEvents, updateEvent } from '../domain';
import { createEventBody, listEventsQuery, updateEventBody } from './event-schemas';
import { etagOf, parseIfMatch, signedInUser, toEventDto } from './event-http';

/** The public events API (DESIGN §6). Routes parse, delegate to a use-case, and reply. */
export function eventsRoutes(deps: EventsDeps, internalKeys: readonly string[]): Router {
  const router = Router();
  const signedIn = requireIdentity(internalKeys);

  router.post('/api/events', signedIn, async (req, res) => {
    const organizerId = signedInUser(res);
    const input = parseInput(createEventBody, req.body, 'body');
    const event = await createEvent(deps, organizerId, input);
    res.status(201).location(`/api/events/${event.id}`).set('ETag', etagOf(event)).json(toEventDto(event));
  });

  router.get('/api/events', async (req, res) => {
    const query = parseInput(listEventsQuery, req.query, 'query');
    const page = await listEvents(deps, query);
    const body = { items: page.items.map(toEventDto), nextCursor: page.nextCursor };
    if (page.unavailableShards.length > 0) {
      req.log.warn({ shards: page.unavailableShards }, 'event listing is partial: shards unavailable');
      res.json({ ...body, partial: true, unavailableShards: page.unavailableShards });
      return;
    }
    res.json(body);
  });

  router.get('/api/events/:id', async (req, res) => {
    const event = await getEvent(deps, String(req.params.id));
    // Express answers 304 itself when If-None-Match names this ETag.
    res.set('ETag', etagOf(event)).json(toEventDto(event));
  });

  router.patch('/api/events/:id', signedIn, async (req, res) => {
    const userId = signedInUser(res);
    const changes = parseInput(updateEventBody, req.body, 'body');
    const event = await updateEvent(deps, {
      id: String(req.params.id),
      userId,
      changes,
      expectedVersions: parseIfMatch(req.get('if-match')),
    });
    res.set('ETag', etagOf(event)).json(toEventDto(event));
  });

  router.use(undecodableIdIsNotFound);
  return router;
}

/**
 * The router throws URIError while matching `/api/events/%zz` (it decodes `:id` first). An id
 * that is not even valid percent-encoding names no event: 404, like any malformed id, instead of
 * the 500 the shared error middleware would make of an unknown error.
 */
const undecodableIdIsNotFound: ErrorRequestHandler = (err, _req, _res, next) => {
  next(err instanceof URIError ? new AppError('not_found', 'No such event') : err);
};
