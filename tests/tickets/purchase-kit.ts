import request from 'supertest';
import { newId } from '@boxoffice/platform';
import { ApiClient } from '@boxoffice/devstack';
import { expectDocumented, sessionCookieFor } from '../support';

/** A buyer: a fresh user id and a gateway session for it. */
export interface Buyer {
  id: string;
  cookie: string;
}

export function newBuyer(): Buyer {
  const id = newId();
  return { id, cookie: sessionCookieFor(id) };
}

/** Creates an on-sale event tomorrow with `capacity` seats, organised by a fresh user. */
export async function createEvent(
  gatewayUrl: string,
  capacity: number,
  organizer: Buyer = newBuyer(),
): Promise<{ id: string }> {
  return new ApiClient(gatewayUrl, { cookie: organizer.cookie }).createEvent({
    title: 'Rush night',
    venue: 'Hall A',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    capacity,
  });
}

/** POST /api/orders through the gateway, checked against the OpenAPI document. */
export async function order(
  gatewayUrl: string,
  buyer: Buyer,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<request.Response> {
  const req = request(gatewayUrl).post('/api/orders').set('cookie', buyer.cookie).set(headers);
  const res =
    typeof body === 'string'
      ? await req.set('content-type', 'application/json').send(body)
      : await req.send(body as object);
  return expectDocumented('POST', '/api/orders', res);
}

export async function get(gatewayUrl: string, path: string, buyer?: Buyer): Promise<request.Response> {
  const req = request(gatewayUrl).get(path);
  if (buyer) req.set('cookie', buyer.cookie);
  return expectDocumented('GET', path, await req);
}

/** Polls GET /api/orders/:id until it is settled (or `timeoutMs` passes). */
export async function settledOrder(gatewayUrl: string, buyer: Buyer, orderId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await get(gatewayUrl, `/api/orders/${orderId}`, buyer);
    if (res.status === 200 && res.body.status !== 'pending') return res.body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still ${res.body.status ?? res.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
