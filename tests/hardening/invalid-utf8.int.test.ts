import { gzipSync } from 'node:zlib';
import { newId } from '@boxoffice/platform';
import { DataFingerprint, changedTables } from '../fuzz/fuzz-kit';
import {
  TestStack,
  expectDocumented,
  identityHeaders,
  sessionCookieFor,
  startTestStack,
  uniqueEmail,
} from '../support';

/** Not UTF-8: a lead byte before ASCII, two bytes UTF-8 never uses, and an encoded surrogate. */
const INVALID = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]);

/** `{"field": "…<INVALID>…", …rest}` as raw bytes: valid JSON around bytes that are not UTF-8. */
function bodyWithInvalidBytes(field: string, rest: Record<string, unknown>): Buffer {
  const more = Object.keys(rest).length > 0 ? `,${JSON.stringify(rest).slice(1)}` : '}';
  return Buffer.concat([Buffer.from(`{"${field}":"Ada `), INVALID, Buffer.from(`"${more}`)]);
}

const MAX_FAILURES_PER_IP = 2;

const future = () => new Date(Date.now() + 86_400_000).toISOString();

/** What a client sends that is JSON in every way except its encoding. */
const cases = () => ({
  signUp: bodyWithInvalidBytes('displayName', {
    email: uniqueEmail('utf8'),
    password: 'correct horse battery',
  }),
  event: bodyWithInvalidBytes('title', { venue: 'Hall U', startsAt: future(), capacity: 5 }),
  // The id field itself is plain; the stray bytes sit in an unknown field, which the schema
  // would refuse anyway: the encoding must be refused first, before anything reads the body.
  order: bodyWithInvalidBytes('note', { eventId: newId(), quantity: 1 }),
  patchMe: bodyWithInvalidBytes('displayName', {}),
  signIn: bodyWithInvalidBytes('email', { password: 'whatever it is' }),
});

/** Bodies that are not UTF-8 are refused with 400 invalid_utf8 wherever a JSON body is read. */
describe('JSON bodies that are not valid UTF-8', () => {
  let stack: TestStack;
  let fingerprint: DataFingerprint;

  beforeAll(async () => {
    stack = await startTestStack({ env: { SIGNIN_MAX_FAILURES_PER_IP: String(MAX_FAILURES_PER_IP) } });
    fingerprint = new DataFingerprint(stack.env.topology);
  }, 180_000);

  afterAll(async () => {
    await fingerprint?.close();
    await stack?.stop();
  });

  /** Sends one raw body; the answer must be the 400, and no row on any shard may have changed. */
  const send = async (
    base: string,
    method: string,
    path: string,
    body: Buffer,
    headers: Record<string, string> = {},
  ) => {
    const before = await fingerprint.whenQuiet();
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const answer = {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; message: string } },
    };
    expect(changedTables(before, await fingerprint.whenQuiet())).toEqual([]);
    return answer;
  };

  const expectInvalidUtf8 = (method: string, path: string, res: Awaited<ReturnType<typeof send>>) => {
    expect(expectDocumented(method, path, res).status).toBe(400);
    expect(res.body.error?.code).toBe('invalid_utf8');
    expect(res.body.error?.message).toMatch(/UTF-8/);
  };

  describe('through the gateway', () => {
    const cookie = () => ({ cookie: sessionCookieFor(newId()) });

    test('when POST /api/users has a display name that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(stack.gatewayUrl, 'POST', '/api/users', cases().signUp);
      expectInvalidUtf8('POST', '/api/users', res);
    });

    test('when the same body is gzip-encoded, then it answers 400 invalid_utf8 too', async () => {
      const res = await send(stack.gatewayUrl, 'POST', '/api/users', gzipSync(cases().signUp), {
        'content-encoding': 'gzip',
      });
      expectInvalidUtf8('POST', '/api/users', res);
    });

    test('when POST /api/events has a title that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(stack.gatewayUrl, 'POST', '/api/events', cases().event, cookie());
      expectInvalidUtf8('POST', '/api/events', res);
    });

    test('when POST /api/orders has bytes that are not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(stack.gatewayUrl, 'POST', '/api/orders', cases().order, cookie());
      expectInvalidUtf8('POST', '/api/orders', res);
    });

    test('when PATCH /api/me has a display name that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(stack.gatewayUrl, 'PATCH', '/api/me', cases().patchMe, cookie());
      expectInvalidUtf8('PATCH', '/api/me', res);
    });

    test('when POST /api/sessions has an address that is not UTF-8, then the gateway answers 400 invalid_utf8', async () => {
      const res = await send(stack.gatewayUrl, 'POST', '/api/sessions', cases().signIn);
      expectInvalidUtf8('POST', '/api/sessions', res);
    });

    test('when sign-ins that are not UTF-8 outnumber the per-IP limit, then none counted as a failed attempt', async () => {
      for (let i = 0; i <= MAX_FAILURES_PER_IP; i++) {
        const res = await send(stack.gatewayUrl, 'POST', '/api/sessions', cases().signIn);
        expectInvalidUtf8('POST', '/api/sessions', res);
      }
      const wrong = Buffer.from(JSON.stringify({ email: uniqueEmail('utf8'), password: 'not the one' }));
      const res = await send(stack.gatewayUrl, 'POST', '/api/sessions', wrong);
      expect(expectDocumented('POST', '/api/sessions', res).status).toBe(401);
    });
  });

  describe('straight at a service, without the gateway', () => {
    const url = (name: string) => stack.process(name).url;
    const asUser = () => identityHeaders(newId());

    test('when the users service gets a sign-up that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(url('users-1'), 'POST', '/api/users', cases().signUp);
      expectInvalidUtf8('POST', '/api/users', res);
    });

    test('when the events service gets an event that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(url('events-1'), 'POST', '/api/events', cases().event, asUser());
      expectInvalidUtf8('POST', '/api/events', res);
    });

    test('when the tickets service gets an order that is not UTF-8, then it answers 400 invalid_utf8', async () => {
      const res = await send(url('tickets-1'), 'POST', '/api/orders', cases().order, asUser());
      expectInvalidUtf8('POST', '/api/orders', res);
    });
  });
});
