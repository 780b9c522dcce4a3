import { Router } from 'express';
import {
  InternalAuth,
  decodeKeysetCursor,
  encodeKeysetCursor,
  idParam,
  parseInput,
  requireIdentity,
  signedInUser,
} from '@boxoffice/platform';
import { TicketsDeps, cancelTicket, getOrder, getTicket, listMyTickets, placeOrder } from '../domain';
import {
  idempotencyKeyHeader,
  myTicketsQuery,
  placeOrderBody,
  preferredWaitSeconds,
} from './request-schemas';
import { orderJson, statusForOrder, ticketJson } from './ticket-json';

/** Routes only parse, delegate and reply (STYLE habit 2). Every route is user-scoped. */
export function ticketsRoutes(deps: TicketsDeps, auth: InternalAuth): Router {
  const router = Router();
  router.use(['/api/orders', '/api/me/tickets', '/api/tickets'], requireIdentity(auth));

  router.post('/api/orders', async (req, res) => {
    const body = parseInput(placeOrderBody, req.body);
    const idempotencyKey = parseInput(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    const waitSeconds = preferredWaitSeconds(req.get('prefer'));
    const { order } = await placeOrder(deps, {
      buyerId: signedInUser(res),
      eventId: body.eventId.toLowerCase(),
      quantity: body.quantity,
      idempotencyKey,
      waitMs: waitSeconds * 1000,
      requestId: String(req.id),
    });
    res.location(`/api/orders/${order.id}`);
    if (req.get('prefer')) res.set('preference-applied', `wait=${waitSeconds}`);
    if (order.status === 'pending') res.set('retry-after', '1');
    res.status(statusForOrder(order)).json(orderJson(order));
  });

  router.get('/api/orders/:id', async (req, res) => {
    res.json(orderJson(await getOrder(deps, idParam(req, 'order'), signedInUser(res))));
  });

  router.get('/api/me/tickets', async (req, res) => {
    const query = parseInput(myTicketsQuery, req.query, 'query');
    const cursor = query.cursor ? decodeKeysetCursor(query.cursor) : undefined;
    const after = cursor && { createdAt: cursor.at, id: cursor.id };
    const page = await listMyTickets(deps, signedInUser(res), query.limit, after);
    res.json({
      items: page.tickets.map(ticketJson),
      nextCursor: page.next ? encodeKeysetCursor({ at: page.next.createdAt, id: page.next.id }) : null,
    });
  });

  router.get('/api/tickets/:id', async (req, res) => {
    res.json(ticketJson(await getTicket(deps, idParam(req, 'ticket'), signedInUser(res))));
  });

  router.post('/api/tickets/:id/cancel', async (req, res) => {
    const ticket = await cancelTicket(deps, idParam(req, 'ticket'), signedInUser(res), String(req.id));
    res.json(ticketJson(ticket));
  });

  return router;
}
