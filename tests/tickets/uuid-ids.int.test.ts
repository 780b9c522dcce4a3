import request from 'supertest';
import { TestStack, expectDocumented, startTestStack } from '../support';
import { createEvent, newBuyer, order } from './purchase-kit';

/** Version 6 and variant bits a v4 parser refuses, but `format: uuid` allows. No id like it exists. */
const NOT_V4 = '82e5c456-f9d8-60ed-2d7c-2a62203aa14e';

/** Every id the document allows reaches the service and routes to a shard: never a 400 for its form. */
describe('ids of any UUID version, through the gateway', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('when an order names an event by a non-v4 UUID, then it is placed and rejected as event_not_found (409)', async () => {
    const res = await order(
      stack.gatewayUrl,
      newBuyer(),
      { eventId: NOT_V4, quantity: 1 },
      { prefer: 'wait=10' },
    );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ eventId: NOT_V4, status: 'rejected', reason: 'event_not_found' });
  });

  test('when an order names a real event in upper case, then it is confirmed for that event (201)', async () => {
    const event = await createEvent(stack.gatewayUrl, 5);
    const res = await order(
      stack.gatewayUrl,
      newBuyer(),
      { eventId: event.id.toUpperCase(), quantity: 1 },
      { prefer: 'wait=10' },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ eventId: event.id, status: 'confirmed' });
  });

  test.each([
    ['GET', '/api/users/{id}'],
    ['GET', '/api/events/{id}'],
    ['GET', '/api/events/{id}/image'],
    ['GET', '/api/orders/{id}'],
    ['GET', '/api/tickets/{id}'],
    ['POST', '/api/tickets/{id}/cancel'],
  ])('when %s %s names a non-v4 UUID, then it answers 404, like any unknown id', async (method, template) => {
    const path = template.replace('{id}', NOT_V4.toUpperCase());
    const buyer = newBuyer();
    const agent = request(stack.gatewayUrl);
    const req = method === 'GET' ? agent.get(path) : agent.post(path);
    const res = await req.set('cookie', buyer.cookie);
    expect(expectDocumented(method, path, res).status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
