import request from 'supertest';
import { IDENTITY_HEADER, signIdentity } from '@boxoffice/platform';
import { encodeSession, newSession } from '../../gateway/src';
import {
  TEST_INTERNAL_KEY,
  TestStack,
  callerHeaders,
  expectDocumented,
  signIn,
  signUp,
  signUpAndSignIn,
  startTestStack,
  uniqueEmail,
} from '../support';

const KEY = 'current-session-key-0123456789abcdef';
const OLD_KEY = 'previous-session-key-0123456789abcde';
const TTL_SECONDS = 3600;
const MAX_PER_EMAIL = 4;

/**
 * The value with the second-to-last character of its signature changed, whatever it was (the
 * last base64url character may carry only padding bits, so changing it may change nothing).
 */
const flipSignatureCharacter = (value: string) =>
  `${value.slice(0, -2)}${value.at(-2) === 'A' ? 'B' : 'A'}${value.slice(-1)}`;
const MAX_PER_IP = 8;
const MAX_PER_DEVICE = 3;

/** Sessions end to end: real processes, the gateway minting and checking the signed cookie. */
describe('sessions through the gateway', () => {
  let stack: TestStack;
  let ipCounter = 0;
  /** A client address of its own (this stack trusts X-Forwarded-For from loopback), so limits don't leak between tests. */
  const freshIp = () => `198.51.100.${++ipCounter}`;

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        SESSION_KEYS: `${KEY},${OLD_KEY}`,
        SESSION_TTL_SECONDS: String(TTL_SECONDS),
        SIGNIN_MAX_FAILURES_PER_EMAIL: String(MAX_PER_EMAIL),
        SIGNIN_MAX_FAILURES_PER_IP: String(MAX_PER_IP),
        SIGNIN_MAX_FAILURES_PER_DEVICE: String(MAX_PER_DEVICE),
        SIGNIN_WINDOW_SECONDS: '60',
        // The test plays the proxy in front of the gateway, naming a client address per test.
        TRUST_PROXY: 'loopback',
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const gw = () => request(stack.gatewayUrl);
  const me = (cookie?: string) => {
    const req = gw().get('/api/me');
    if (cookie) req.set('cookie', cookie);
    return req;
  };
  const postSession = (body: unknown, ip = freshIp()) =>
    gw()
      .post('/api/sessions')
      .set('x-forwarded-for', ip)
      .send(body as object);

  describe('POST /api/sessions', () => {
    test('when the credentials are right, then it answers 200 with the user and sets an HttpOnly, SameSite=Lax sid cookie', async () => {
      const { user, email, password } = await signUp(stack.gatewayUrl);
      const res = expectDocumented(
        'POST',
        '/api/sessions',
        await postSession({ email: email.toUpperCase(), password }),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
      const cookie = ([] as string[])
        .concat(res.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith('sid='))!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(new RegExp(`; Max-Age=${TTL_SECONDS}`));
      expect(cookie).toMatch(/; Path=\//);
      const payload = JSON.parse(Buffer.from(cookie.slice(4).split('.')[0]!, 'base64url').toString());
      expect(payload).toEqual({ uid: user.id, iat: expect.any(Number), exp: payload.iat + TTL_SECONDS });
    });

    test('when the address is unknown or the password wrong, then both get the same 401 in similar time', async () => {
      const { email } = await signUp(stack.gatewayUrl);
      const timed = async (body: object) => {
        const started = process.hrtime.bigint();
        const res = expectDocumented('POST', '/api/sessions', await postSession(body));
        return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      };
      const unknown: number[] = [];
      const wrong: number[] = [];
      let bodies: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await timed({ email: uniqueEmail('nobody'), password: 'not-the-password' });
        const b = await timed({ email, password: `not-the-password-${i}` });
        expect([a.res.status, b.res.status]).toEqual([401, 401]);
        bodies = [a.res.body, b.res.body];
        unknown.push(a.ms);
        wrong.push(b.ms);
      }
      expect(bodies[0]).toEqual(bodies[1]);
      expect(bodies[0]).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
      // Both pay for one scrypt; an unknown address must not come back in a fraction of the time.
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
      expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
    });

    const valid = { email: 'a@example.test', password: 'some-password' };
    test.each([
      ['a missing password', { email: valid.email }],
      ['an extra field', { ...valid, admin: true }],
      ['a number for the email', { ...valid, email: 42 }],
      ['an invalid email', { ...valid, email: 'a@' }],
      ['an overlong email', { ...valid, email: `${'a'.repeat(300)}@example.test` }],
      ['an overlong password', { ...valid, password: 'p'.repeat(1000) }],
    ])(
      'when the body has %s, then it answers 400 validation_failed and sets no cookie',
      async (_what, body) => {
        const res = expectDocumented('POST', '/api/sessions', await postSession(body));
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.headers['set-cookie']).toBeUndefined();
      },
    );

    test('when the body is malformed JSON, then it answers 400 malformed_json', async () => {
      const res = expectDocumented(
        'POST',
        '/api/sessions',
        await gw()
          .post('/api/sessions')
          .set('x-forwarded-for', freshIp())
          .set('content-type', 'application/json')
          .send('{"email"'),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('malformed_json');
    });
  });

  describe('sign-in limits', () => {
    test('when one address fails too often, then it gets 429 with Retry-After, even with the right password', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      for (let i = 0; i < MAX_PER_EMAIL; i++) {
        expect((await postSession({ email, password: 'wrong-password' })).status).toBe(401);
      }
      const limited = expectDocumented('POST', '/api/sessions', await postSession({ email, password }));
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const other = await signUp(stack.gatewayUrl);
      expect((await postSession({ email: other.email, password: other.password })).status).toBe(200);
    });

    test('when one client IP fails too often over many addresses, then that IP gets 429', async () => {
      const ip = freshIp();
      for (let i = 0; i < MAX_PER_IP; i++) {
        expect((await postSession({ email: uniqueEmail('spray'), password: 'guess-123' }, ip)).status).toBe(
          401,
        );
      }
      const limited = expectDocumented(
        'POST',
        '/api/sessions',
        await postSession({ email: uniqueEmail(), password: 'x' }, ip),
      );
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect((await postSession({ email: uniqueEmail(), password: 'x' })).status).toBe(401);
    });

    test('when a burst of wrong guesses races, then no more than the limit reach the password check', async () => {
      const { email } = await signUp(stack.gatewayUrl);
      const results = await Promise.all(
        Array.from({ length: 12 }, () => postSession({ email, password: 'wrong-password' })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_PER_EMAIL);
      expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MAX_PER_EMAIL);
    });

    test('when sign-ins succeed, then they never count against the limits', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const ip = freshIp();
      for (let i = 0; i < MAX_PER_IP + 2; i++) {
        expect((await postSession({ email, password }, ip)).status).toBe(200);
      }
    });
  });

  describe('device cookies (a device that signed in before is not locked out by strangers)', () => {
    const deviceCookieIn = (res: request.Response) =>
      ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('did='));
    /** Signs in with the right password and returns the `did=…` pair the gateway set. */
    const trustDevice = async (email: string, password: string) => {
      const res = await postSession({ email, password });
      expect(res.status).toBe(200);
      return deviceCookieIn(res)!.split(';')[0]!;
    };
    const lockOut = async (email: string) => {
      for (let i = 0; i < MAX_PER_EMAIL; i++) await postSession({ email, password: 'attacker-guess' });
      expect((await postSession({ email, password: 'attacker-guess' })).status).toBe(429);
    };
    const signInWith = (cookie: string, body: object, ip = freshIp()) =>
      gw().post('/api/sessions').set('x-forwarded-for', ip).set('cookie', cookie).send(body);

    test('when a sign-in succeeds, then it sets an HttpOnly device cookie scoped to /api/sessions for 180 days', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const cookie = deviceCookieIn(await postSession({ email, password }))!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Path=\/api\/sessions/);
      expect(cookie).toMatch(new RegExp(`; Max-Age=${180 * 24 * 3600}`));
      expect(deviceCookieIn(await postSession({ email, password: 'wrong-password' }))).toBeUndefined();
    });

    test("when an attacker's wrong guesses pass the account's limit, then the owner's device still signs in", async () => {
      const { user, email, password } = await signUp(stack.gatewayUrl);
      const device = await trustDevice(email, password);
      await lockOut(email);
      const res = expectDocumented('POST', '/api/sessions', await signInWith(device, { email, password }));
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    });

    test('when one address is over its limit, then a trusted device behind it still signs in', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const device = await trustDevice(email, password);
      const ip = freshIp();
      for (let i = 0; i < MAX_PER_IP; i++)
        await postSession({ email: uniqueEmail('spray'), password: 'x' }, ip);
      expect((await postSession({ email: uniqueEmail(), password: 'x' }, ip)).status).toBe(429);
      expect((await signInWith(device, { email, password }, ip)).status).toBe(200);
    });

    test('when the trusted device itself guesses wrong too often, then that device is limited', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const device = await trustDevice(email, password);
      for (let i = 0; i < MAX_PER_DEVICE; i++) {
        expect((await signInWith(device, { email, password: 'typo-password' })).status).toBe(401);
      }
      const limited = await signInWith(device, { email, password });
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    });

    test.each([
      ['a tampered device cookie', flipSignatureCharacter],
      ['a garbage device cookie', () => 'did=v2.abc.1.2.xyz'],
    ])(
      'when the account is locked out and the client sends %s, then it counts as none: 429',
      async (_what, forge) => {
        const { email, password } = await signUp(stack.gatewayUrl);
        const device = await trustDevice(email, password);
        await lockOut(email);
        expect((await signInWith(forge(device), { email, password })).status).toBe(429);
      },
    );

    test("when the account is locked out and the client sends another account's device cookie, then it counts as none: 429", async () => {
      const victim = await signUp(stack.gatewayUrl);
      const attacker = await signUp(stack.gatewayUrl);
      const attackerDevice = await trustDevice(attacker.email, attacker.password);
      await lockOut(victim.email);
      expect(
        (await signInWith(attackerDevice, { email: victim.email, password: victim.password })).status,
      ).toBe(429);
    });

    test('when the users service port is called directly with a signed caller header, then the limits hold there too', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const direct = () =>
        request(stack.process('users-1').url).post('/internal/sessions').set(callerHeaders('203.0.113.9'));
      for (let i = 0; i < MAX_PER_EMAIL; i++) {
        expect((await direct().send({ email, password: 'wrong-password' })).status).toBe(401);
      }
      const limited = await direct().send({ email, password });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
    });

    test('when the users service port is called directly without the caller header, then it answers 401', async () => {
      const { email, password } = await signUp(stack.gatewayUrl);
      const res = await request(stack.process('users-1').url)
        .post('/internal/sessions')
        .send({ email, password });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });
  });

  describe('GET /api/me with a session cookie', () => {
    test('when the cookie is valid, then it answers 200 with the signed-in user', async () => {
      const { user, cookie } = await signUpAndSignIn(stack.gatewayUrl);
      const res = expectDocumented('GET', '/api/me', await me(cookie));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    });

    test('when the cookie was signed with the previous key still listed, then it is accepted', async () => {
      const { user } = await signUp(stack.gatewayUrl);
      const res = expectDocumented(
        'GET',
        '/api/me',
        await me(`sid=${encodeSession(newSession(user.id, 60), [OLD_KEY])}`),
      );
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    });

    test.each([
      ['no cookie', () => undefined],
      ['a garbage cookie', () => 'sid=garbage'],
      ['an empty cookie', () => 'sid='],
      [
        'an expired cookie',
        (uid: string) => `sid=${encodeSession(newSession(uid, 60, Date.now() - 120_000), [KEY])}`,
      ],
      [
        'a cookie signed with an unknown key',
        (uid: string) => `sid=${encodeSession(newSession(uid, 60), ['x'.repeat(32)])}`,
      ],
      [
        'a cookie whose payload was swapped for another user',
        (uid: string, cookie: string) => {
          const [, signature] = cookie.slice(4).split('.');
          const forged = Buffer.from(JSON.stringify(newSession(uid, 60))).toString('base64url');
          return `sid=${forged}.${signature}`;
        },
      ],
      [
        'a cookie with a flipped signature character',
        (_uid: string, cookie: string) => flipSignatureCharacter(cookie),
      ],
    ])('when the request carries %s, then it answers 401', async (_what, makeCookie) => {
      const victim = await signUp(stack.gatewayUrl);
      const attacker = await signUpAndSignIn(stack.gatewayUrl);
      const res = expectDocumented('GET', '/api/me', await me(makeCookie(victim.user.id, attacker.cookie)));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    test('when a client sends its own identity header, then the gateway drops it and answers 401', async () => {
      const { user } = await signUp(stack.gatewayUrl);
      const res = expectDocumented(
        'GET',
        '/api/me',
        await gw()
          .get('/api/me')
          .set(IDENTITY_HEADER, signIdentity(user.id, [TEST_INTERNAL_KEY])),
      );
      expect(res.status).toBe(401);
    });
  });

  describe('PATCH /api/me with a session cookie', () => {
    test('when the signed-in user changes name and address, then it answers 200 and the new address signs in', async () => {
      const { cookie, password } = await signUpAndSignIn(stack.gatewayUrl);
      const next = uniqueEmail('renamed');
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await gw().patch('/api/me').set('cookie', cookie).send({ displayName: 'Renamed', email: next }),
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ displayName: 'Renamed', email: next });
      expect(await signIn(stack.gatewayUrl, next, password)).toMatch(/^sid=/);
    });

    test('when the cookie is tampered with, then it answers 401', async () => {
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await gw().patch('/api/me').set('cookie', 'sid=abc.def').send({ displayName: 'X' }),
      );
      expect(res.status).toBe(401);
    });
  });

  describe('DELETE /api/sessions', () => {
    test('when a user signs out, then it answers 204 and clears the cookie', async () => {
      const { cookie } = await signUpAndSignIn(stack.gatewayUrl);
      const res = expectDocumented(
        'DELETE',
        '/api/sessions',
        await gw().delete('/api/sessions').set('cookie', cookie),
      );
      expect(res.status).toBe(204);
      const cleared = ([] as string[])
        .concat(res.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith('sid='))!;
      expect(cleared).toMatch(/^sid=;/);
      expect(cleared).toMatch(/Max-Age=0/);
    });

    test('when nobody is signed in, then it still answers 204', async () => {
      const res = expectDocumented('DELETE', '/api/sessions', await gw().delete('/api/sessions'));
      expect(res.status).toBe(204);
    });
  });

  describe('public profiles and the document', () => {
    test('when anyone asks for a user by id, then the gateway answers with the public profile', async () => {
      const { user } = await signUp(stack.gatewayUrl, { displayName: 'Public' });
      const url = `/api/users/${user.id}`;
      const res = expectDocumented('GET', url, await gw().get(url));
      expect(res.body).toEqual({ id: user.id, displayName: 'Public' });
      const missing = expectDocumented('GET', '/api/users/nope', await gw().get('/api/users/nope'));
      expect(missing.status).toBe(404);
    });

    test('when a client reads /api/openapi.json, then it documents the users and sessions endpoints', async () => {
      const res = await gw().get('/api/openapi.json');
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining(['/api/users', '/api/users/{id}', '/api/sessions', '/api/me']),
      );
      expect((await gw().get('/api/docs')).status).toBe(200);
    });
  });
});
