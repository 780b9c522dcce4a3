import request from 'supertest';
import { TestStack, assertMatchesOpenApi, signUpAndSignIn, startTestStack } from '../support';

/** Query edges that must be 400s, never 500s. */
describe('listing queries at their edges', () => {
  let stack: TestStack;
  let cookie: string;

  beforeAll(async () => {
    stack = await startTestStack();
    ({ cookie } = await signUpAndSignIn(stack.gatewayUrl));
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('when GET /api/events has from and to that are both not instants, then it answers 400 validation_failed', async () => {
    const res = await request(stack.gatewayUrl).get('/api/events?from=x&to=y');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    assertMatchesOpenApi('GET', '/api/events', res.status, res.body);
  });

  test('when GET /api/me/tickets gets a cursor whose instant is year 0000, then it answers 400 invalid_cursor', async () => {
    const cursor = Buffer.from(
      JSON.stringify({ c: '0000-01-01T00:00:00.000Z', i: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    const res = await request(stack.gatewayUrl).get(`/api/me/tickets?cursor=${cursor}`).set('cookie', cookie);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_cursor');
    assertMatchesOpenApi('GET', '/api/me/tickets', res.status, res.body);
  });
});
