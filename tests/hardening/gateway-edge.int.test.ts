import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { TestStack, expectDocumented, startTestStack, uniqueEmail } from '../support';
import { sessionCookieFor } from '../support/sessions';
import { newId } from '@boxoffice/platform';

const MAX_FAILURES_PER_IP = 3;

/** What the public edge does with encoded bodies and forwarding headers. */
describe('the gateway at the public edge', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // TRUST_PROXY is left at its default: the gateway is the edge, nobody in front of it.
    stack = await startTestStack({
      env: { SIGNIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP), SIGNIN_MAX_FAILURES_PER_EMAIL: '100' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** fetch, not supertest: superagent JSON-serialises a Buffer body when the type is JSON. */
  const post = async (path: string, encoding: string, raw: Buffer, cookie?: string) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-encoding': encoding,
    };
    if (cookie) headers.cookie = cookie;
    const res = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers, body: raw });
    return { status: res.status, body: (await res.json()) as { title?: string; error?: { code: string } } };
  };
  const signUpBody = () =>
    Buffer.from(
      JSON.stringify({ email: uniqueEmail('gz'), password: 'correct horse battery', displayName: 'Gz' }),
    );

  describe('encoded request bodies', () => {
    test('when a valid sign-up body is gzip-encoded, then the user is created (201)', async () => {
      const res = await post('/api/users', 'gzip', gzipSync(signUpBody()));
      expect(expectDocumented('POST', '/api/users', res).status).toBe(201);
    });

    test('when a valid sign-up body is deflate-encoded, then the user is created (201)', async () => {
      const res = await post('/api/users', 'deflate', deflateSync(signUpBody()));
      expect(expectDocumented('POST', '/api/users', res).status).toBe(201);
    });

    test('when a valid event body is gzip-encoded with a session, then the event is created (201)', async () => {
      const body = {
        title: 'Gzip night',
        venue: 'Hall Z',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: 5,
      };
      const res = await post(
        '/api/events',
        'gzip',
        gzipSync(JSON.stringify(body)),
        sessionCookieFor(newId()),
      );
      expect(expectDocumented('POST', '/api/events', res).status).toBe(201);
      expect(res.body.title).toBe('Gzip night');
    });

    test('when the body claims gzip but is not, then the answer is a documented 4xx, not a 5xx', async () => {
      const res = await post('/api/users', 'gzip', Buffer.from('not gzip at all'));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectDocumented('POST', '/api/users', res);
    });

    test('when the encoding is one the gateway cannot decode, then it answers 415 unsupported_media_type', async () => {
      const res = await post('/api/users', 'x-unknown', signUpBody());
      expect(res.status).toBe(415);
      expect(res.body.error?.code).toBe('unsupported_media_type');
    });
  });

  describe('X-Forwarded-For from a client', () => {
    test('when a client sends a different X-Forwarded-For with each failed sign-in, then the per-IP limit still stops it', async () => {
      const statuses: number[] = [];
      for (let i = 0; i <= MAX_FAILURES_PER_IP; i++) {
        const res = await request(stack.gatewayUrl)
          .post('/api/sessions')
          .set('x-forwarded-for', `203.0.113.${i + 1}`)
          .send({ email: uniqueEmail('spray'), password: 'wrong password!' });
        statuses.push(expectDocumented('POST', '/api/sessions', res).status);
      }
      expect(statuses.slice(0, MAX_FAILURES_PER_IP)).toEqual(Array(MAX_FAILURES_PER_IP).fill(401));
      expect(statuses[MAX_FAILURES_PER_IP]).toBe(429);
    });
  });
});
