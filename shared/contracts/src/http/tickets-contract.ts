import { z } from 'zod';
import type { ApiRoute } from './openapi-document';
import { REJECTION_REASONS } from '../purchase-messages';
import {
  errorResponse,
  idPathParams,
  instantJson,
  jsonBody,
  jsonResponse,
  signedIn,
  uuid,
} from './http-schemas';

/** At most 10 seats per order (docs/architecture.md, The purchase saga). */
const MAX_QUANTITY = 10;

export const ORDER_STATUSES = ['pending', 'confirmed', 'rejected'] as const;
export const TICKET_STATUSES = ['active', 'cancelled'] as const;

/** POST /api/orders. */
export const placeOrderBody = z.strictObject({
  eventId: uuid,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
});

/** Printable ASCII without spaces, 1–200 characters: what clients put in Idempotency-Key in practice (UUIDs, hashes). */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 printable ASCII characters without spaces')
  .meta({
    description:
      'The same key and body give the same order, even concurrently; the same key with another body is 422.',
  })
  .optional();

/** GET /api/me/tickets. Strict: an unknown parameter is a 400. */
export const myTicketsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).meta({ description: 'nextCursor of the previous page' }).optional(),
});

/** Default wait when the client sends no `Prefer: wait=N` (2 s: docs/architecture.md, The purchase saga). */
export const DEFAULT_WAIT_SECONDS = 2;
export const MAX_WAIT_SECONDS = 10;

/**
 * RFC 7240 `Prefer: wait=N`. A preference is a hint, not a demand: an unparseable one is ignored
 * (the default applies) and one above the 10 s maximum is capped, as the RFC lets a server do.
 */
export function preferredWaitSeconds(prefer: string | undefined): number {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?(?:$|[,;\s])/i.exec(prefer ?? '');
  if (!match) return DEFAULT_WAIT_SECONDS;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
}

/** `Prefer` as documented; it is never refused, so `preferredWaitSeconds` reads it instead of a parse. */
const preferHeader = z
  .string()
  .meta({
    example: 'wait=5',
    description: `RFC 7240 \`wait=N\`: how long to wait for the outcome, 0–${MAX_WAIT_SECONDS} s (default ${DEFAULT_WAIT_SECONDS}; larger values are capped).`,
  })
  .optional();

/** The public JSON of an order (docs/architecture.md, The public API); no buyer id, no fingerprint. */
export const orderView = z.strictObject({
  id: uuid,
  eventId: uuid,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  status: z.enum(ORDER_STATUSES),
  reason: z.enum(REJECTION_REASONS).meta({ description: 'Only on rejected orders.' }).optional(),
  ticketIds: z.array(uuid).meta({ description: 'One per seat once confirmed; empty otherwise.' }),
  createdAt: instantJson,
});
export type OrderView = z.input<typeof orderView>;

export const ticketView = z.strictObject({
  id: uuid,
  orderId: uuid,
  eventId: uuid,
  seatNumber: z.number().int().min(1).max(MAX_QUANTITY).meta({ description: '1..quantity within its order' }),
  status: z.enum(TICKET_STATUSES),
  createdAt: instantJson,
  cancelledAt: instantJson.optional(),
});
export type TicketView = z.input<typeof ticketView>;

export const ticketPageView = z.strictObject({
  items: z.array(ticketView),
  nextCursor: z.string().nullable(),
});

/** The tickets service's public routes (docs/architecture.md, The purchase saga and The public API; docs/purchase-saga.md). Every one is user-scoped. */
export const ticketsApi: ApiRoute[] = [
  {
    method: 'post',
    path: '/api/orders',
    operationId: 'placeOrder',
    summary: 'Order tickets for an event (the purchase saga)',
    description:
      'Records a pending order and asks the events service for the seats; waits up to `Prefer: wait=N` seconds (default 2) for the outcome: 201 confirmed, 409 rejected, or 202 still pending. An event id that names no event is rejected with `reason: event_not_found`.',
    tags: ['tickets'],
    security: signedIn,
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader, Prefer: preferHeader }),
      body: jsonBody(placeOrderBody),
    },
    responses: {
      201: jsonResponse(orderView, 'Confirmed: one ticket per seat'),
      202: jsonResponse(orderView, 'Still pending after the wait; poll the `Location`'),
      409: jsonResponse(orderView, 'Rejected, with `reason`'),
      400: errorResponse,
      401: errorResponse,
      413: errorResponse,
      422: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/orders/{id}',
    operationId: 'getOrder',
    summary: "One of the signed-in buyer's orders",
    description:
      "The order with its status and, once confirmed, its ticket ids; another buyer's order is a 404, like an unknown one.",
    tags: ['tickets'],
    security: signedIn,
    request: { params: idPathParams('Order') },
    responses: {
      200: jsonResponse(orderView, 'The order'),
      401: errorResponse,
      404: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/me/tickets',
    operationId: 'listMyTickets',
    summary: "The signed-in buyer's tickets, newest first (one-shard keyset pagination)",
    description:
      "The signed-in buyer's tickets, newest first, from the one shard their ids share with the buyer's; pass nextCursor for the next page.",
    tags: ['tickets'],
    security: signedIn,
    request: { query: myTicketsQuery },
    responses: {
      200: jsonResponse(ticketPageView, 'A page of tickets'),
      400: errorResponse,
      401: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/tickets/{id}',
    operationId: 'getTicket',
    summary: "One of the signed-in buyer's tickets (cancelled ones stay readable)",
    description: "One ticket of the signed-in buyer; another buyer's ticket is a 404, like an unknown one.",
    tags: ['tickets'],
    security: signedIn,
    request: { params: idPathParams('Ticket') },
    responses: {
      200: jsonResponse(ticketView, 'The ticket'),
      401: errorResponse,
      404: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'post',
    path: '/api/tickets/{id}/cancel',
    operationId: 'cancelTicket',
    summary: 'Cancel a ticket; its seat goes back on sale. Cancelling again changes nothing.',
    description:
      'Marks the ticket cancelled and gives its seat back to the event (through the bus); a ticket already cancelled is returned unchanged.',
    tags: ['tickets'],
    security: signedIn,
    request: { params: idPathParams('Ticket') },
    responses: {
      200: jsonResponse(ticketView, 'The cancelled ticket'),
      401: errorResponse,
      404: errorResponse,
      503: errorResponse,
    },
  },
];
