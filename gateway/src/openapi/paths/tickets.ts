/** OpenAPI paths served by the tickets service (DESIGN §5, §6; docs/purchase-saga.md). */

import { error, uuid, instant, json } from './common';

const session = [{ session: [] }];

const order = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'eventId', 'quantity', 'status', 'ticketIds', 'createdAt'],
  properties: {
    id: uuid,
    eventId: uuid,
    quantity: { type: 'integer', minimum: 1, maximum: 10 },
    status: { type: 'string', enum: ['pending', 'confirmed', 'rejected'] },
    reason: {
      type: 'string',
      enum: ['sold_out', 'not_on_sale', 'event_not_found'],
      description: 'Only on rejected orders.',
    },
    ticketIds: { type: 'array', items: uuid, description: 'One per seat once confirmed; empty otherwise.' },
    createdAt: instant,
  },
} as const;

const ticket = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'orderId', 'eventId', 'seatNumber', 'status', 'createdAt'],
  properties: {
    id: uuid,
    orderId: uuid,
    eventId: uuid,
    seatNumber: { type: 'integer', minimum: 1, maximum: 10, description: '1..quantity within its order' },
    status: { type: 'string', enum: ['active', 'cancelled'] },
    createdAt: instant,
    cancelledAt: instant,
  },
} as const;

const idParam = (name: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: uuid,
  description: `${name} id`,
});

export const ticketsPaths: Record<string, unknown> = {
  '/api/orders': {
    post: {
      summary: 'Order tickets for an event (the purchase saga)',
      tags: ['tickets'],
      security: session,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
          description:
            'The same key and body give the same order, even concurrently; the same key with another body is 422.',
        },
        {
          name: 'Prefer',
          in: 'header',
          required: false,
          schema: { type: 'string', example: 'wait=5' },
          description:
            'RFC 7240 `wait=N`: how long to wait for the outcome, 0–10 s (default 2; larger values are capped).',
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['eventId', 'quantity'],
              properties: { eventId: uuid, quantity: { type: 'integer', minimum: 1, maximum: 10 } },
            },
          },
        },
      },
      responses: {
        '201': json(order, 'Confirmed: one ticket per seat'),
        '202': json(order, 'Still pending after the wait; poll the `Location`'),
        '409': json(order, 'Rejected, with `reason`'),
        '400': error,
        '401': error,
        '413': error,
        '422': error,
        '503': error,
      },
    },
  },
  '/api/orders/{id}': {
    get: {
      summary: "One of the signed-in buyer's orders",
      tags: ['tickets'],
      security: session,
      parameters: [idParam('order')],
      responses: { '200': json(order, 'The order'), '401': error, '404': error, '503': error },
    },
  },
  '/api/me/tickets': {
    get: {
      summary: "The signed-in buyer's tickets, newest first (one-shard keyset pagination)",
      tags: ['tickets'],
      security: session,
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        {
          name: 'cursor',
          in: 'query',
          schema: { type: 'string' },
          description: 'nextCursor of the previous page',
        },
      ],
      responses: {
        '200': json(
          {
            type: 'object',
            additionalProperties: false,
            required: ['items', 'nextCursor'],
            properties: { items: { type: 'array', items: ticket }, nextCursor: { type: ['string', 'null'] } },
          },
          'A page of tickets',
        ),
        '400': error,
        '401': error,
        '503': error,
      },
    },
  },
  '/api/tickets/{id}': {
    get: {
      summary: "One of the signed-in buyer's tickets (cancelled ones stay readable)",
      tags: ['tickets'],
      security: session,
      parameters: [idParam('ticket')],
      responses: { '200': json(ticket, 'The ticket'), '401': error, '404': error, '503': error },
    },
  },
  '/api/tickets/{id}/cancel': {
    post: {
      summary: 'Cancel a ticket; its seat goes back on sale. Cancelling again changes nothing.',
      tags: ['tickets'],
      security: session,
      parameters: [idParam('ticket')],
      responses: { '200': json(ticket, 'The cancelled ticket'), '401': error, '404': error, '503': error },
    },
  },
};
