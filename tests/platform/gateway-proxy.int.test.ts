import request from 'supertest';
import { TestStack, assertMatchesOpenApi, startTestStack } from '../support';

describe('the gateway in front of two instances of each service', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ instances: 2 });
  }, 240_000); // nine processes start; on a loaded two-core machine that can pass 120 s

  afterAll(async () => {
    await stack?.stop();
  });

  test('when the stack is up, then the gateway /readyz is 200 and documented', async () => {
    const res = await request(stack.gatewayUrl).get('/readyz');
    expect(res.status).toBe(200);
    assertMatchesOpenApi('GET', '/readyz', res.status, res.body);
  });

  test('when requests arrive, then they are balanced round-robin over the instances', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await request(stack.gatewayUrl).get('/api/users/not-a-user');
      seen.add(String(res.headers['x-boxoffice-instance']));
    }
    expect(seen.size).toBe(2);
  });

  test('when the path is unknown, then the answer is a JSON 404 naming it', async () => {
    const res = await request(stack.gatewayUrl).get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/nope' } });
  });

  test('when the body is over 64 KiB, then the gateway answers 413 payload_too_large', async () => {
    const res = await request(stack.gatewayUrl)
      .post('/api/users')
      .set('content-type', 'application/json')
      .send(`{"pad":"${'x'.repeat(70_000)}"}`);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  test('when one instance is killed, then the other keeps serving every request', async () => {
    await stack.kill('users-1');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(stack.gatewayUrl).get('/api/users/x')).status);
    expect(statuses.every((s) => s === 404)).toBe(true);
    await stack.restart('users-1');
  });

  test('when one instance is SIGKILLed with reads in flight, then not one of them fails', async () => {
    // Eight readers back to back, about half of their requests on users-2 when it dies: those in
    // flight lose their connection and the gateway sends them to users-1; later ones skip users-2.
    const statuses: number[] = [];
    let reading = true;
    const reader = async () => {
      while (reading) statuses.push((await request(stack.gatewayUrl).get('/api/users/x')).status);
    };
    const readers = Array.from({ length: 8 }, reader);
    await new Promise((r) => setTimeout(r, 300));
    const beforeKill = statuses.length;
    await stack.kill('users-2');
    await new Promise((r) => setTimeout(r, 500));
    reading = false;
    await Promise.all(readers);
    expect(beforeKill).toBeGreaterThan(0);
    expect(statuses.length).toBeGreaterThan(beforeKill);
    expect(statuses.filter((s) => s !== 404)).toEqual([]);
    await stack.restart('users-2');
  });

  test('when every instance of a service is down, then the gateway answers 503 JSON naming the service', async () => {
    await Promise.all([stack.kill('events-1'), stack.kill('events-2')]);
    const res = await request(stack.gatewayUrl).get('/api/events');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'service_unavailable', details: { service: 'events' } });
    const ready = await request(stack.gatewayUrl).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.message).toContain('service events');
    await Promise.all([stack.restart('events-1'), stack.restart('events-2')]);
  });
});
