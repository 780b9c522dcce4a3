import express, { Router } from 'express';
import { InternalAuth, idParam, parseInput, requireIdentity, signedInUser } from '@boxoffice/platform';
import {
  EventsDeps,
  ThumbnailWidth,
  deleteEventImage,
  findThumbnail,
  formatFor,
  makeThumbnail,
  uploadEventImage,
} from '../domain';
import { etagOf } from './entity-tags';
import { eventJson } from './event-json';
import { thumbnailQuery } from './event-image-schemas';

/** A year: a versioned image URL never changes what it names (a new upload gets a new version). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** An unversioned URL names whatever is current, which an upload changes: a minute, then revalidate. */
const CURRENT = 'public, max-age=60';

/** Event images (docs/architecture.md, The public API): upload and delete by the organizer, thumbnails made on demand. */
export function eventImageRoutes(deps: EventsDeps, auth: InternalAuth): Router {
  const router = Router();
  const signedIn = requireIdentity(auth);
  // Any type is read (up to the image limit, 413 beyond) so the use-case can name a wrong one (415).
  const imageBody = express.raw({ type: () => true, limit: deps.images.maxBytes });

  router.put('/api/events/:id/image', signedIn, imageBody, async (req, res) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const event = await uploadEventImage(deps, {
      eventId: idParam(req, 'event'),
      userId: signedInUser(res),
      contentType,
      bytes,
    });
    res.set('ETag', etagOf(event)).json(eventJson(event));
  });

  router.delete('/api/events/:id/image', signedIn, async (req, res) => {
    await deleteEventImage(deps, { eventId: idParam(req, 'event'), userId: signedInUser(res) });
    res.status(204).end();
  });

  router.get('/api/events/:id/image', async (req, res) => {
    const query = parseInput(thumbnailQuery, req.query, 'query');
    const variant = await findThumbnail(deps, {
      eventId: idParam(req, 'event'),
      width: query.w as ThumbnailWidth,
      format: formatFor(req.get('accept')),
      version: query.v,
    });
    res.set({
      ETag: variant.etag,
      Vary: 'Accept',
      'Cache-Control': query.v === undefined ? CURRENT : IMMUTABLE,
    });
    // req.fresh compares If-None-Match with the ETag just set: a revalidation costs no resize.
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    const bytes = await makeThumbnail(deps, variant);
    res.type(`image/${variant.format}`).send(bytes);
  });

  return router;
}
