import { z } from 'zod';
import { isSupportedInstant } from '@boxoffice/platform';
import type { ApiRoute } from './openapi-document';
import {
  anyone,
  errorBody,
  errorResponse,
  idPathParams,
  instantJson,
  jsonBody,
  limitQueryMeta,
  signedIn,
  uuid,
} from './http-schemas';

export const EVENT_STATUSES = ['draft', 'on_sale', 'cancelled'] as const;

/** Postgres text cannot hold NUL; refusing it here keeps it a 400 instead of a failed INSERT. */
const noNul = (text: string) => !text.includes('\u0000');

const label = z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL characters');
const description = z.string().max(5000).refine(noNul, 'must not contain NUL characters');
const capacity = z.number().int().min(1).max(1_000_000);

/** An ISO 8601 instant with a zone ("Z" or "+02:00"); kept to milliseconds like everything stored. */
const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine(isSupportedInstant, 'must be between 1970 and 9999 (UTC)');
const futureInstant = instant.refine((date) => date.getTime() > Date.now(), 'must be in the future');

/** POST /api/events. Strict: an unknown field is a 400, not silently dropped. */
export const createEventBody = z.strictObject({
  title: label,
  venue: label,
  startsAt: futureInstant.meta({
    description: 'ISO 8601 with a zone, after the time the request arrives (else 400, see the example)',
  }),
  capacity,
  description: description.default(''),
});

/** PATCH /api/events/:id: any of the fields, at least one. */
export const updateEventBody = z
  .strictObject({
    title: label.optional(),
    venue: label.optional(),
    startsAt: futureInstant
      .meta({ description: 'After the time the request arrives (else 400, see the example)' })
      .optional(),
    capacity: capacity.meta({ description: 'Not below seatsSold (409)' }).optional(),
    description: description.optional(),
    status: z.enum(EVENT_STATUSES).meta({ description: 'cancelled is final' }).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change')
  .meta({ minProperties: 1 });

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1).max(100))
  .meta(limitQueryMeta(100, 20));

/** GET /api/events. Unknown parameters are ignored (cache busters are common in query strings). */
export const listEventsQuery = z
  .object({
    limit: limit.default(20),
    cursor: z.string().meta({ description: 'nextCursor of the previous page' }).optional(),
    from: instant.meta({ description: 'Only events starting at or after' }).optional(),
    to: instant.meta({ description: 'Only events starting before' }).optional(),
  })
  // zod runs this even when from or to failed (they are then still the raw text), so it checks
  // for Dates: `from=x&to=y` would otherwise reach the query as an invalid date (a 500).
  .refine((q) => !(q.from instanceof Date && q.to instanceof Date) || q.from.getTime() < q.to.getTime(), {
    message: 'must be after from',
    path: ['to'],
  });

/** The public shape of an event (docs/architecture.md, The public API): the record plus what a client would compute. */
export const eventView = z.strictObject({
  id: uuid,
  organizerId: uuid,
  title: z.string().min(1).max(200),
  description: z.string().max(5000),
  venue: z.string().min(1).max(200),
  startsAt: instantJson,
  capacity: z.number().int().min(1).max(1_000_000),
  seatsSold: z.number().int().min(0),
  seatsAvailable: z.number().int().min(0).meta({
    description: 'capacity − seatsSold. From GET /api/events/{id} it may be up to 60 s stale (cache).',
  }),
  status: z.enum(EVENT_STATUSES),
  version: z
    .number()
    .int()
    .min(1)
    .meta({ description: 'Bumped by every change; the ETag is `"<version>"`.' }),
  imageUrl: z.string().nullable().meta({
    description:
      'The event image, versioned (`/api/events/{id}/image?v=N`; add `&w=160|320|640|1280`), or null. A new upload is a new URL.',
  }),
  createdAt: instantJson,
  updatedAt: instantJson,
});
export type EventView = z.input<typeof eventView>;

export const eventPageView = z.strictObject({
  items: z.array(eventView),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  partial: z
    .literal(true)
    .meta({ description: 'Present only when some shards did not answer in time: their events are missing.' })
    .optional(),
  unavailableShards: z.array(z.string()).meta({ description: 'e.g. ["3_5"]' }).optional(),
});

/** The widths a page may ask for: a fixed list, so nobody can make the service resize to every width. */
export const THUMBNAIL_WIDTHS = [160, 320, 640, 1280] as const;
const widthNames = THUMBNAIL_WIDTHS.map(String) as [string, ...string[]];

/**
 * GET /api/events/:id/image. `w` from a fixed list (default 640); `v` is the image version the
 * event's imageUrl names: a URL with a version is immutable, one without is "the current image".
 */
export const thumbnailQuery = z.strictObject({
  w: z
    .enum(widthNames, { error: `must be one of ${widthNames.join(', ')}` })
    .default('640')
    .transform(Number)
    .meta({ description: 'Width in pixels (default 640); never enlarged past the original' }),
  v: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive image version')
    .transform(Number)
    .meta({
      description: 'The image version imageUrl names: such a URL is immutable; another version is a 404',
    })
    .optional(),
});

const binary = z.string().meta({ format: 'binary' });
const binaryContent = (types: string[]) =>
  Object.fromEntries(types.map((type) => [type, { schema: binary }]));

function eventResponse(description: string) {
  return {
    description,
    headers: {
      ETag: { description: 'Strong tag of the version, e.g. `"3"`', schema: { type: 'string' as const } },
    },
    content: { 'application/json': { schema: eventView } },
  };
}

const eventIdParams = idPathParams('Event');

/**
 * The 400 of a write with `startsAt`. "In the future" compares with the clock when the request
 * arrives, which no JSON Schema keyword can state (docs/decisions/0017-platform-answers-in-the-document.md),
 * so the operation documents the exact answer a past instant gets.
 */
const refusedEventInput = {
  description:
    'validation_failed (a field breaks a rule; `details` names each one, e.g. a `startsAt` that is not in the future), malformed_json, invalid_utf8, or a body that does not match its Content-Encoding',
  content: {
    'application/json': {
      schema: errorBody,
      examples: {
        startsAtNotInTheFuture: {
          summary: 'startsAt is not after the time the request arrived',
          value: {
            error: {
              code: 'validation_failed',
              message: 'Invalid request: body.startsAt: must be in the future',
              details: [{ path: 'body.startsAt', message: 'must be in the future' }],
            },
          },
        },
      },
    },
  },
};

/** The events service's public routes (docs/architecture.md, The public API; docs/events.md explains the choices). */
export const eventsApi: ApiRoute[] = [
  {
    method: 'post',
    path: '/api/events',
    operationId: 'createEvent',
    summary: 'Create an event (signed in); it goes on sale at once',
    description:
      'Creates an event organised by the signed-in user, on the shard its new id names. `startsAt` must be in the future when the request arrives: a rule JSON Schema cannot state, so a past instant is the 400 `validation_failed` shown below, naming `body.startsAt`.',
    tags: ['events'],
    security: signedIn,
    request: { body: jsonBody(createEventBody) },
    responses: {
      201: eventResponse('The new event, status on_sale'),
      400: refusedEventInput,
      401: errorResponse,
      413: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/events',
    operationId: 'listEvents',
    summary: 'List events by (startsAt, id), across every shard, with a cursor',
    description:
      'Events (drafts excluded) ordered by (startsAt, id), merged from every shard. A page with `partial: true` is missing the shards named in `unavailableShards`.',
    tags: ['events'],
    security: anyone,
    request: { query: listEventsQuery },
    responses: {
      200: {
        description: 'One page; drafts are not listed',
        content: { 'application/json': { schema: eventPageView } },
      },
      400: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/events/{id}',
    operationId: 'getEvent',
    summary: 'One event, with seatsSold and seatsAvailable',
    description:
      'The event, from the cache when it has it (seatsAvailable may be up to 60 s stale), with a strong ETag; a matching If-None-Match is a 304.',
    tags: ['events'],
    security: anyone,
    request: { params: eventIdParams },
    responses: {
      200: eventResponse('The event'),
      304: { description: 'If-None-Match named the current ETag' },
      404: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'patch',
    path: '/api/events/{id}',
    operationId: 'updateEvent',
    summary: 'Change an event (its organizer only)',
    description:
      'Changes the fields sent. If-Match with the ETag of a GET makes the change conditional (412 when stale). `startsAt`, when sent, must be in the future (400 `validation_failed` otherwise); capacity may not drop below seatsSold (409).',
    tags: ['events'],
    security: signedIn,
    request: {
      params: eventIdParams,
      headers: z.object({
        'If-Match': z
          .string()
          .meta({ description: 'ETag from a GET; a stale one is a 412. Without it the last write wins.' })
          .optional(),
      }),
      body: jsonBody(updateEventBody),
    },
    responses: {
      200: eventResponse('The changed event'),
      400: refusedEventInput,
      401: errorResponse,
      403: { ...errorResponse, description: 'Not the organizer' },
      404: errorResponse,
      409: errorResponse,
      412: errorResponse,
      413: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'put',
    path: '/api/events/{id}/image',
    operationId: 'uploadEventImage',
    summary: 'Set the event image (its organizer only); the body is the image',
    description:
      'Stores the body as the event image after checking its format and size, and gives the event a new versioned imageUrl.',
    tags: ['events'],
    security: signedIn,
    request: {
      params: eventIdParams,
      body: {
        required: true,
        description: 'At most IMAGE_MAX_BYTES (5 MiB) and IMAGE_MAX_PIXELS (25 megapixels).',
        content: binaryContent(['image/jpeg', 'image/png', 'image/webp']),
      },
    },
    responses: {
      200: eventResponse('The event, with its new imageUrl'),
      400: { ...errorResponse, description: 'An empty body' },
      401: errorResponse,
      403: { ...errorResponse, description: 'Not the organizer' },
      404: errorResponse,
      409: { ...errorResponse, description: 'The event is cancelled' },
      413: {
        ...errorResponse,
        description: 'payload_too_large: the image exceeds IMAGE_MAX_BYTES (default 5 MiB)',
      },
      415: { ...errorResponse, description: 'Not image/jpeg, image/png or image/webp' },
      422: { ...errorResponse, description: 'image_invalid (not that format, truncated) or image_too_large' },
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/events/{id}/image',
    operationId: 'getEventImage',
    summary:
      'The event image at one width, made on demand; the format follows Accept (AVIF, WebP, else JPEG)',
    description:
      'Resizes the image to the width asked for, once per width and format, and caches the result; never enlarges past the original.',
    tags: ['events'],
    security: anyone,
    request: { params: eventIdParams, query: thumbnailQuery },
    responses: {
      200: {
        description: 'The image (Vary: Accept; a strong ETag; immutable when the URL names a version)',
        content: binaryContent(['image/avif', 'image/webp', 'image/jpeg']),
      },
      304: { description: 'If-None-Match named the current ETag' },
      400: errorResponse,
      404: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'delete',
    path: '/api/events/{id}/image',
    operationId: 'deleteEventImage',
    summary: 'Remove the event image (its organizer only)',
    description: 'Removes the image and sets imageUrl to null; 404 when the event has none.',
    tags: ['events'],
    security: signedIn,
    request: { params: eventIdParams },
    responses: {
      204: { description: 'Removed' },
      401: errorResponse,
      403: { ...errorResponse, description: 'Not the organizer' },
      404: { ...errorResponse, description: 'No such event, or it has no image' },
      503: errorResponse,
    },
  },
];
