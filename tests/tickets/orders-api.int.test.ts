import request from 'supertest';
import { newId } from '@boxoffice/platform';
import { newColocatedId } from '@boxoffice/sharding';
import { TestStack, expectDocumented, startTestStack } from '../support';
import { Buyer, createEvent, get, newBuyer, order, settledOrder } from './purchase-kit';

describe('orders and tickets through the gateway', () => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await startTestStack();
    url = stack.gatewayUrl;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('POST /api/orders', () => {
    test('when seats are available, then the order is 201 confirmed with one co-located ticket per seat', async () => {
      const buyer = newBuyer();
      const event = await createEvent(url, 10);
      const res = await order(url, buyer, { eventId: event.id, quantity: 3 });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ eventId: event.id, quantity: 3, status: 'confirmed' });
      expect(res.headers.location).toBe(`/api/orders/${res.body.id}`);
      expect(res.body.ticketIds).toHaveLength(3);
      for (const id of [res.body.id, ...res.body.ticketIds])
        expect(id.slice(0, 2)).toBe(buyer.id.slice(0, 2));
      const seen = await get(url, `/api/events/${event.id}`);
      expect(seen.body).toMatchObject({ seatsSold: 3, seatsAvailable: 7 });
    });

    test('when the event has too few seats left, then the order is 409 rejected sold_out and nothing is sold', async () => {
      const event = await createEvent(url, 2);
      expect((await order(url, newBuyer(), { eventId: event.id, quantity: 2 })).status).toBe(201);
      const res = await order(url, newBuyer(), { eventId: event.id, quantity: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 'rejected', reason: 'sold_out', ticketIds: [] });
    });

    test('when the event does not exist, then the order is 409 rejected event_not_found', async () => {
      const res = await order(url, newBuyer(), { eventId: newId(), quantity: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 'rejected', reason: 'event_not_found' });
    });

    test('when the event is cancelled, then the order is 409 rejected not_on_sale', async () => {
      const organizer = newBuyer();
      const event = await createEvent(url, 5, organizer);
      const patched = await request(url)
        .patch(`/api/events/${event.id}`)
        .set('cookie', organizer.cookie)
        .send({ status: 'cancelled' });
      expect(patched.status).toBe(200);
      const res = await order(url, newBuyer(), { eventId: event.id, quantity: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 'rejected', reason: 'not_on_sale' });
    });

    test('when the client prefers not to wait, then the answer is 202 pending with a Location that settles', async () => {
      const buyer = newBuyer();
      const event = await createEvent(url, 5);
      const res = await order(url, buyer, { eventId: event.id, quantity: 1 }, { prefer: 'wait=0' });
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('pending');
      expect(res.headers['preference-applied']).toBe('wait=0');
      expect(res.headers['retry-after']).toBe('1');
      const settled = await settledOrder(url, buyer, res.body.id);
      expect(settled).toMatchObject({ status: 'confirmed', quantity: 1 });
    });

    test('when the same Idempotency-Key and body are sent again, then the same order comes back', async () => {
      const buyer = newBuyer();
      const event = await createEvent(url, 5);
      const first = await order(
        url,
        buyer,
        { eventId: event.id, quantity: 2 },
        { 'idempotency-key': 'checkout-1' },
      );
      const again = await order(
        url,
        buyer,
        { eventId: event.id, quantity: 2 },
        { 'idempotency-key': 'checkout-1' },
      );
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect((await get(url, `/api/events/${event.id}`)).body.seatsSold).toBe(2);
    });

    test('when the same Idempotency-Key comes with another body, then it is 422 and nothing is ordered', async () => {
      const buyer = newBuyer();
      const event = await createEvent(url, 5);
      await order(url, buyer, { eventId: event.id, quantity: 1 }, { 'idempotency-key': 'k-422' });
      const res = await order(url, buyer, { eventId: event.id, quantity: 2 }, { 'idempotency-key': 'k-422' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('idempotency_key_reused');
      expect((await get(url, `/api/events/${event.id}`)).body.seatsSold).toBe(1);
    });

    test('when another buyer uses the same Idempotency-Key, then it is their own, separate order', async () => {
      const event = await createEvent(url, 5);
      const a = await order(
        url,
        newBuyer(),
        { eventId: event.id, quantity: 1 },
        { 'idempotency-key': 'shared-key' },
      );
      const b = await order(
        url,
        newBuyer(),
        { eventId: event.id, quantity: 1 },
        { 'idempotency-key': 'shared-key' },
      );
      expect(b.body.id).not.toBe(a.body.id);
    });
  });

  describe('reading and cancelling', () => {
    let buyer: Buyer;
    let eventId: string;
    let orderBody: { id: string; ticketIds: string[] };

    beforeAll(async () => {
      buyer = newBuyer();
      eventId = (await createEvent(url, 20)).id;
      orderBody = (await order(url, buyer, { eventId, quantity: 2 })).body;
    });

    test('when the buyer reads the order, then it lists its tickets; for anyone else it is 404', async () => {
      const mine = await get(url, `/api/orders/${orderBody.id}`, buyer);
      expect(mine.status).toBe(200);
      expect(mine.body.ticketIds).toEqual(orderBody.ticketIds);
      const theirs = await get(url, `/api/orders/${orderBody.id}`, newBuyer());
      expect(theirs.status).toBe(404);
      expect((await get(url, `/api/tickets/${orderBody.ticketIds[0]}`, newBuyer())).status).toBe(404);
    });

    test('when a ticket is cancelled twice, then the seat is released once and the ticket stays readable', async () => {
      const ticketId = orderBody.ticketIds[0]!;
      const first = expectDocumented(
        'POST',
        `/api/tickets/${ticketId}/cancel`,
        await request(url).post(`/api/tickets/${ticketId}/cancel`).set('cookie', buyer.cookie),
      );
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        id: ticketId,
        status: 'cancelled',
        cancelledAt: expect.any(String),
      });
      const second = await request(url).post(`/api/tickets/${ticketId}/cancel`).set('cookie', buyer.cookie);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      const deadline = Date.now() + 10_000;
      let seatsSold = -1;
      while (Date.now() < deadline && seatsSold !== 1) {
        seatsSold = (await request(url).get(`/api/events/${eventId}`)).body.seatsSold;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seatsSold).toBe(1);
      expect((await get(url, `/api/tickets/${ticketId}`, buyer)).body.status).toBe('cancelled');
    });

    test('when another buyer cancels my ticket, then it is 404 and the ticket stays active', async () => {
      const ticketId = orderBody.ticketIds[1]!;
      const res = await request(url).post(`/api/tickets/${ticketId}/cancel`).set('cookie', newBuyer().cookie);
      expect(res.status).toBe(404);
      expect((await get(url, `/api/tickets/${ticketId}`, buyer)).body.status).toBe('active');
    });
  });

  describe('GET /api/me/tickets', () => {
    test('when a buyer pages through their tickets, then each appears once, newest first', async () => {
      const buyer = newBuyer();
      const event = await createEvent(url, 50);
      const bought: string[] = [];
      for (let i = 0; i < 4; i++)
        bought.push(...(await order(url, buyer, { eventId: event.id, quantity: 3 })).body.ticketIds);
      const seen: { id: string; createdAt: string }[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await get(
          url,
          `/api/me/tickets?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
          buyer,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.map((t) => t.id).sort()).toEqual([...bought].sort());
      const times = seen.map((t) => t.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
    });

    test('when a buyer has no tickets, then the page is empty', async () => {
      const res = await get(url, '/api/me/tickets', newBuyer());
      expect(res.body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('bad input', () => {
    const buyer = newBuyer();
    let eventId: string;

    beforeAll(async () => {
      eventId = (await createEvent(url, 100)).id;
    });

    test.each([
      ['quantity 0', { quantity: 0 }],
      ['quantity 11', { quantity: 11 }],
      ['quantity as a string', { quantity: '2' }],
      ['a fractional quantity', { quantity: 1.5 }],
      ['no quantity', { quantity: undefined }],
      ['a non-UUID eventId', { eventId: 'not-a-uuid' }],
      ['no eventId', { eventId: undefined }],
      ['an extra field', { price: 0 }],
    ])(
      'when the body has %s, then it is 400 validation_failed and nothing is ordered',
      async (_name, change) => {
        const body = { eventId, quantity: 1, ...change };
        const res = await order(url, buyer, JSON.parse(JSON.stringify(body)));
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect((await get(url, '/api/me/tickets', buyer)).body.items).toEqual([]);
      },
    );

    test('when the body is malformed JSON or not an object, then it is 400', async () => {
      expect((await order(url, buyer, '{"eventId":')).body.error.code).toBe('malformed_json');
      expect((await order(url, buyer, '[1,2]')).status).toBe(400);
    });

    test('when the Idempotency-Key has spaces or is too long, then it is 400 naming the header', async () => {
      const spaced = await order(url, buyer, { eventId, quantity: 1 }, { 'idempotency-key': 'has spaces' });
      expect(spaced.status).toBe(400);
      expect(spaced.body.error.message).toContain('headers');
      expect(
        (await order(url, buyer, { eventId, quantity: 1 }, { 'idempotency-key': 'k'.repeat(201) })).status,
      ).toBe(400);
    });

    test('when Prefer asks for an absurd wait, then it is capped, not an error', async () => {
      const res = await order(url, newBuyer(), { eventId, quantity: 1 }, { prefer: 'wait=999999' });
      expect(res.status).toBe(201);
      expect(res.headers['preference-applied']).toBe('wait=10');
    });

    test('when there is no session or a forged one, then every tickets route is 401', async () => {
      const anonymous = await request(url).post('/api/orders').send({ eventId, quantity: 1 });
      expect(expectDocumented('POST', '/api/orders', anonymous).status).toBe(401);
      const forged = await request(url).get('/api/me/tickets').set('cookie', 'sid=eyJ1aWQiOiJ4In0.forged');
      expect(forged.status).toBe(401);
      expect((await request(url).get(`/api/orders/${newId()}`)).status).toBe(401);
    });

    test('when an order or ticket id is not a UUID or unknown, then it is 404', async () => {
      for (const path of [
        '/api/orders/nope',
        `/api/orders/${newColocatedId(buyer.id)}`,
        '/api/tickets/1',
        `/api/tickets/${newId()}`,
      ]) {
        const res = await get(url, path, buyer);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
      const cancel = await request(url).post('/api/tickets/%zz/cancel').set('cookie', buyer.cookie);
      expect(cancel.status).toBeLessThan(500);
    });

    test('when the tickets cursor or limit is bad, then it is 400', async () => {
      expect((await get(url, '/api/me/tickets?cursor=garbage!', buyer)).body.error.code).toBe(
        'invalid_cursor',
      );
      expect(
        (await get(url, `/api/me/tickets?cursor=${Buffer.from('{"c":1}').toString('base64url')}`, buyer))
          .status,
      ).toBe(400);
      expect((await get(url, '/api/me/tickets?limit=0', buyer)).status).toBe(400);
      expect((await get(url, '/api/me/tickets?limit=101', buyer)).status).toBe(400);
      expect((await get(url, '/api/me/tickets?sort=asc', buyer)).status).toBe(400);
    });

    test('when a service is called directly without the gateway signature, then it is 401', async () => {
      const tickets = stack.process('tickets-1').url;
      const res = await request(tickets)
        .post('/api/orders')
        .set('x-boxoffice-identity', `v1.${buyer.id}.9999999999.forged`)
        .send({ eventId, quantity: 1 });
      expect(res.status).toBe(401);
    });
  });
});
