/** OpenAPI paths served by the events service (DESIGN §6; docs/events.md explains the choices). */

import { error, uuid, instant } from './common';

const label = { type: 'string', minLength: 1, maxLength: 200 } as const;
const description = { type: 'string', maxLength: 5000 } as const;
const capacity = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;
const status = { type: 'string', enum: ['draft', 'on_sale', 'cancelled'] } as const;

const event = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'organizerId',
    'title',
    'description',
    'venue',
    'startsAt',
    'capacity',
    'seatsSold',
    'seatsAvailable',
    'status',
    'version',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: uuid,
    organizerId: uuid,
    title: label,
    description,
    venue: label,
    startsAt: instant,
    capacity,
    seatsSold: { type: 'integer', minimum: 0 },
    seatsAvailable: {
      type: 'integer',
      minimum: 0,
      description: 'capacity − seatsSold. From GET /api/events/{id} it may be up to 60 s stale (cache).',
    },
    status,
    version: {
      type: 'integer',
      minimum: 1,
      description: 'Bumped by every change; the ETag is `"<version>"`.',
    },
    createdAt: instant,
    updatedAt: instant,
  },
} as const;

const eventResponse = (description: string) =>
  ({
    description,
    headers: { ETag: { description: 'Strong tag of the version, e.g. `"3"`', schema: { type: 'string' } } },
    content: { 'application/json': { schema: event } },
  }) as const;

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Event id (UUID). A malformed id is a 404, like an unknown one.',
  schema: { type: 'string' },
} as const;

const eventPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: event },
    nextCursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` for the next page; null on the last.',
    },
    partial: {
      const: true,
      description: 'Present only when some shards did not answer in time: their events are missing.',
    },
    unavailableShards: { type: 'array', items: { type: 'string' }, description: 'e.g. ["3_5"]' },
  },
} as const;

export const eventsPaths = {
  '/api/events': {
    post: {
      summary: 'Create an event (signed in); it goes on sale at once',
      tags: ['events'],
      security: [{ session: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['title', 'venue', 'startsAt', 'capacity'],
              properties: {
                title: label,
                venue: label,
                startsAt: { ...instant, description: 'ISO 8601 with a zone, in the future' },
                capacity,
                description,
              },
            },
          },
        },
      },
      responses: {
        '201': eventResponse('The new event, status on_sale'),
        '400': error,
        '401': error,
        '413': error,
        '503': error,
      },
    },
    get: {
      summary: 'List events by (startsAt, id), across every shard, with a cursor',
      tags: ['events'],
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        {
          name: 'cursor',
          in: 'query',
          schema: { type: 'string' },
          description: 'nextCursor of the previous page',
        },
        { name: 'from', in: 'query', schema: instant, description: 'Only events starting at or after' },
        { name: 'to', in: 'query', schema: instant, description: 'Only events starting before' },
      ],
      responses: {
        '200': {
          description: 'One page; drafts are not listed',
          content: { 'application/json': { schema: eventPage } },
        },
        '400': error,
        '503': error,
      },
    },
  },
  '/api/events/{id}': {
    get: {
      summary: 'One event, with seatsSold and seatsAvailable',
      tags: ['events'],
      parameters: [idParameter],
      responses: {
        '200': eventResponse('The event'),
        '304': { description: 'If-None-Match named the current ETag' },
        '404': error,
        '503': error,
      },
    },
    patch: {
      summary: 'Change an event (its organizer only)',
      tags: ['events'],
      security: [{ session: [] }],
      parameters: [
        idParameter,
        {
          name: 'If-Match',
          in: 'header',
          required: false,
          description: 'ETag from a GET; a stale one is a 412. Without it the last write wins.',
          schema: { type: 'string' },
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                title: label,
                venue: label,
                startsAt: { ...instant, description: 'In the future' },
                capacity: { ...capacity, description: 'Not below seatsSold (409)' },
                description,
                status: { ...status, description: 'cancelled is final' },
              },
            },
          },
        },
      },
      responses: {
        '200': eventResponse('The changed event'),
        '400': error,
        '401': error,
        '403': { ...error, description: 'Not the organizer' },
        '404': error,
        '409': error,
        '412': error,
        '413': error,
        '503': error,
      },
    },
  },
} as const;
