import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  CALLER_HEADER,
  IDENTITY_HEADER,
  signCaller,
  signIdentity,
  signInternalToken,
} from '@boxoffice/platform';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import {
  InProcessService,
  TEST_INTERNAL_KEY,
  TestEnv,
  buildServiceInProcess,
  callerHeaders,
  createTestEnv,
  expectDocumented,
  identityHeaders,
  signUp,
  uniqueEmail,
} from '../support';

/** The users service on its own (no gateway): its routes, its validation, its identity checks. */
describe('the users service API', () => {
  let env: TestEnv;
  let svc: InProcessService;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    svc = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
    await svc.ctx.cache.connect();
  });

  afterAll(async () => {
    await svc?.close();
    await env?.cleanup();
  });

  const post = (path: string) => request(svc.app).post(path);

  describe('POST /api/users', () => {
    test('when the input is valid, then it answers 201 with the user, normalised, and no password', async () => {
      const email = uniqueEmail('Ada').toUpperCase();
      const res = expectDocumented(
        'POST',
        '/api/users',
        await post('/api/users').send({
          email: `  ${email} `,
          password: 'correct horse',
          displayName: 'Ada',
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        email: email.toLowerCase(),
        displayName: 'Ada',
        createdAt: expect.any(String),
      });
      expect(res.headers.location).toBe(`/api/users/${res.body.id}`);
      expect(JSON.stringify(res.body)).not.toContain('correct horse');
    });

    test('when the address is registered in another letter case, then it answers 409 email_taken', async () => {
      const { email } = await signUp(svc.app);
      const res = expectDocumented(
        'POST',
        '/api/users',
        await post('/api/users').send({
          email: email.toUpperCase(),
          password: 'another-password',
          displayName: 'B',
        }),
      );
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('email_taken');
    });

    const valid = { email: 'x@example.test', password: 'long-enough-pw', displayName: 'X' };
    test.each([
      ['a missing field', { email: valid.email, password: valid.password }, 'body.displayName'],
      ['an extra field', { ...valid, isAdmin: true }, 'body'],
      ['a number for the email', { ...valid, email: 5 }, 'body.email'],
      ['an invalid email', { ...valid, email: 'not-an-email' }, 'body.email'],
      ['an overlong email', { ...valid, email: `${'a'.repeat(250)}@example.test` }, 'body.email'],
      ['a short password', { ...valid, password: 'short' }, 'body.password'],
      ['an overlong password', { ...valid, password: 'p'.repeat(257) }, 'body.password'],
      ['an empty display name', { ...valid, displayName: '   ' }, 'body.displayName'],
      ['an overlong display name', { ...valid, displayName: 'n'.repeat(81) }, 'body.displayName'],
      ['a control character in the display name', { ...valid, displayName: 'a\nb' }, 'body.displayName'],
      ['an array body', [valid], 'body'],
    ])(
      'when the body has %s, then it answers 400 validation_failed naming the field',
      async (_what, body, path) => {
        const res = expectDocumented(
          'POST',
          '/api/users',
          await post('/api/users').set('content-type', 'application/json').send(JSON.stringify(body)),
        );
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      },
    );

    test.each([
      ['truncated JSON', '{"email": '],
      ['a top-level null', 'null'],
      ['a top-level string', '"ada@example.test"'],
    ])('when the body is %s, then it answers 400 malformed_json', async (_what, text) => {
      const res = expectDocumented(
        'POST',
        '/api/users',
        await post('/api/users').set('content-type', 'application/json').send(text),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('malformed_json');
    });

    test('when the body is not JSON at all, then it answers 400 validation_failed', async () => {
      const res = expectDocumented(
        'POST',
        '/api/users',
        await post('/api/users').set('content-type', 'text/plain').send('email=a@b.c'),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    });
  });

  describe('GET /api/users/:id', () => {
    test('when the user exists, then it answers 200 with the public profile only', async () => {
      const { user } = await signUp(svc.app, { displayName: 'Grace' });
      const res = expectDocumented(
        'GET',
        `/api/users/${user.id}`,
        await request(svc.app).get(`/api/users/${user.id}`),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: user.id, displayName: 'Grace' });
    });

    test('when the id is upper-case, then it still finds the user', async () => {
      const { user } = await signUp(svc.app);
      const url = `/api/users/${user.id.toUpperCase()}`;
      const res = expectDocumented('GET', url, await request(svc.app).get(url));
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    });

    test.each([
      ['an unknown UUID', '6f1c1c1e-0000-4000-8000-000000000000'],
      ['a non-UUID', 'not-a-user'],
      ['an almost-UUID', '6f1c1c1e-0000-4000-8000-00000000000g'],
      ['a very long id', 'a'.repeat(2000)],
      ['a percent-encoded oddity', '%E2%80%8B'],
      ['SQL', "1'%20or%20'1'='1"],
    ])('when the id is %s, then it answers 404 not_found', async (_what, id) => {
      const url = `/api/users/${id}`;
      const res = expectDocumented('GET', url, await request(svc.app).get(url));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });

  describe('GET /api/me', () => {
    test('when the identity is signed by the gateway, then it answers 200 with the user', async () => {
      const { user } = await signUp(svc.app);
      const res = expectDocumented(
        'GET',
        '/api/me',
        await request(svc.app).get('/api/me').set(identityHeaders(user.id)),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    });

    test.each([
      ['no identity', undefined],
      ['a garbage identity', () => 'garbage'],
      [
        'an identity signed with another key',
        (id: string) => signIdentity(id, ['some-other-key-0123456789abcdef']),
      ],
      [
        'an expired identity',
        (id: string) => signIdentity(id, ['test-internal-key-0123456789abcdef'], Date.now() - 120_000),
      ],
      [
        'an identity with a tampered user id',
        (id: string, other: string) =>
          signIdentity(id, [TEST_INTERNAL_KEY]).replace(
            Buffer.from(id).toString('base64url'),
            Buffer.from(other).toString('base64url'),
          ),
      ],
      [
        'an identity signed with the right key that expires in 50 years',
        (id: string) => {
          const now = Math.floor(Date.now() / 1000);
          return signInternalToken('identity', id, [TEST_INTERNAL_KEY], {
            issuedAt: now,
            expiresAt: now + 50 * 365 * 24 * 3600,
          });
        },
      ],
      [
        'an identity in the old v1 format (no issue time) signed with the right key, 50 years ahead',
        (id: string) => {
          const payload = `v1.${id}.${Math.floor(Date.now() / 1000) + 50 * 365 * 24 * 3600}`;
          return `${payload}.${createHmac('sha256', TEST_INTERNAL_KEY).update(payload).digest('base64url')}`;
        },
      ],
    ])('when the call carries %s, then it answers 401 unauthenticated', async (_what, identity) => {
      const { user } = await signUp(svc.app);
      const other = (await signUp(svc.app)).user;
      const req = request(svc.app).get('/api/me');
      if (identity) req.set(IDENTITY_HEADER, identity(user.id, other.id));
      const res = expectDocumented('GET', '/api/me', await req);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    test('when the signed identity names no user, then it answers 401', async () => {
      const res = expectDocumented(
        'GET',
        '/api/me',
        await request(svc.app).get('/api/me').set(identityHeaders('0a0a0a0a-0000-4000-8000-000000000000')),
      );
      expect(res.status).toBe(401);
    });
  });

  describe('PATCH /api/me', () => {
    const patch = (userId: string | undefined, body: unknown) => {
      const req = request(svc.app).patch('/api/me').set('content-type', 'application/json');
      if (userId) req.set(identityHeaders(userId));
      return req.send(JSON.stringify(body));
    };

    test('when the display name changes, then it answers 200 and GET /api/me shows the new name at once', async () => {
      const { user } = await signUp(svc.app, { displayName: 'Before' });
      await request(svc.app).get('/api/me').set(identityHeaders(user.id)); // warm the cache
      const res = expectDocumented('PATCH', '/api/me', await patch(user.id, { displayName: 'After' }));
      expect(res.status).toBe(200);
      expect(res.body.displayName).toBe('After');
      const me = await request(svc.app).get('/api/me').set(identityHeaders(user.id));
      expect(me.body.displayName).toBe('After');
      const pub = await request(svc.app).get(`/api/users/${user.id}`);
      expect(pub.body.displayName).toBe('After');
    });

    test('when the password changes with the current one, then only the new one signs in', async () => {
      const { user, email, password } = await signUp(svc.app);
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await patch(user.id, { password: 'brand-new-password', currentPassword: password }),
      );
      expect(res.status).toBe(200);
      expect((await post('/internal/sessions').set(callerHeaders()).send({ email, password })).status).toBe(
        401,
      );
      expect(
        (
          await post('/internal/sessions')
            .set(callerHeaders())
            .send({ email, password: 'brand-new-password' })
        ).status,
      ).toBe(200);
    });

    test('when the current password is wrong, then it answers 403 and nothing changes', async () => {
      const { user, email, password } = await signUp(svc.app);
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await patch(user.id, {
          password: 'brand-new-password',
          currentPassword: 'wrong-password',
          displayName: 'Z',
        }),
      );
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect((await post('/internal/sessions').set(callerHeaders()).send({ email, password })).status).toBe(
        200,
      );
      expect((await request(svc.app).get(`/api/users/${user.id}`)).body.displayName).toBe('Test User');
    });

    test('when the new address is taken, then it answers 409 email_taken and the old address still works', async () => {
      const taken = await signUp(svc.app);
      const { user, email, password } = await signUp(svc.app);
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await patch(user.id, { email: taken.email.toUpperCase() }),
      );
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('email_taken');
      expect((await post('/internal/sessions').set(callerHeaders()).send({ email, password })).status).toBe(
        200,
      );
    });

    test('when the address is the same in another case, then nothing moves and it answers 200', async () => {
      const { user, email } = await signUp(svc.app);
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await patch(user.id, { email: ` ${email.toUpperCase()} ` }),
      );
      expect(res.status).toBe(200);
      expect(res.body.email).toBe(email);
    });

    test('when there is no signed identity, then it answers 401 and changes nothing', async () => {
      const { user } = await signUp(svc.app, { displayName: 'Kept' });
      const res = expectDocumented('PATCH', '/api/me', await patch(undefined, { displayName: 'Hijacked' }));
      expect(res.status).toBe(401);
      expect((await request(svc.app).get(`/api/users/${user.id}`)).body.displayName).toBe('Kept');
    });

    test.each([
      ['an empty object', {}],
      ['an extra field', { displayName: 'A', role: 'admin' }],
      ['a password without currentPassword', { password: 'brand-new-password' }],
      ['currentPassword alone', { currentPassword: 'whatever-it-is' }],
      ['a short new password', { password: 'short', currentPassword: 'whatever-it-is' }],
      ['an invalid email', { email: 'nope@' }],
      ['a boolean display name', { displayName: true }],
      ['an overlong display name', { displayName: 'n'.repeat(81) }],
      ['an array', [{ displayName: 'A' }]],
    ])('when the body has %s, then it answers 400 validation_failed', async (_what, body) => {
      const { user } = await signUp(svc.app);
      const res = expectDocumented('PATCH', '/api/me', await patch(user.id, body));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    });

    test('when the body is malformed JSON, then it answers 400 malformed_json', async () => {
      const { user } = await signUp(svc.app);
      const res = expectDocumented(
        'PATCH',
        '/api/me',
        await request(svc.app)
          .patch('/api/me')
          .set(identityHeaders(user.id))
          .set('content-type', 'application/json')
          .send('{'),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('malformed_json');
    });
  });

  describe('POST /internal/sessions (the credential check behind sign-in)', () => {
    test.each([
      ['no caller header', () => ({})],
      ['a garbage caller header', () => ({ [CALLER_HEADER]: 'v2.x.1.2.y' })],
      [
        'a caller header signed with another key',
        () => ({ [CALLER_HEADER]: signCaller('127.0.0.1', ['k'.repeat(32)]) }),
      ],
      [
        'a user identity instead of a caller header',
        () => ({ [CALLER_HEADER]: signIdentity('127.0.0.1', [TEST_INTERNAL_KEY]) }),
      ],
      [
        'a caller header signed with the right key that expires in 50 years',
        () => {
          const now = Math.floor(Date.now() / 1000);
          const times = { issuedAt: now, expiresAt: now + 50 * 365 * 24 * 3600 };
          return { [CALLER_HEADER]: signInternalToken('caller', '127.0.0.1', [TEST_INTERNAL_KEY], times) };
        },
      ],
    ])(
      'when the call carries %s, then it answers 401 JSON before looking at the password',
      async (_what, headers) => {
        const { email, password } = await signUp(svc.app);
        const res = await post('/internal/sessions').set(headers()).send({ email, password });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          error: { code: 'unauthenticated', message: expect.stringMatching(/caller/) },
        });
      },
    );

    test('when GET /internal/stats is asked without the caller header, then it answers 401; /internal/ping stays open', async () => {
      expect((await request(svc.app).get('/internal/stats')).status).toBe(401);
      expect((await request(svc.app).get('/internal/stats').set(callerHeaders())).status).toBe(200);
      expect((await request(svc.app).get('/internal/ping')).status).toBe(200);
    });

    test('when the credentials are right in any letter case of the address, then it answers 200 with the user', async () => {
      const { user, email, password } = await signUp(svc.app);
      const res = await post('/internal/sessions')
        .set(callerHeaders())
        .send({ email: ` ${email.toUpperCase()}`, password });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    });

    test('when the address is unknown or the password wrong, then both answer the same 401', async () => {
      const { email } = await signUp(svc.app);
      const unknown = await post('/internal/sessions').set(callerHeaders()).send({
        email: uniqueEmail(),
        password: 'whatever-pw',
      });
      const wrong = await post('/internal/sessions')
        .set(callerHeaders())
        .send({ email, password: 'whatever-pw' });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
    });

    test.each([
      ['no password', { email: 'a@example.test' }],
      ['an extra field', { email: 'a@example.test', password: 'x', remember: true }],
      ['an invalid email', { email: 'a@', password: 'x' }],
      ['an overlong password', { email: 'a@example.test', password: 'p'.repeat(257) }],
    ])('when the body has %s, then it answers 400', async (_what, body) => {
      const res = await post('/internal/sessions').set(callerHeaders()).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    });
  });

  describe('the profile cache', () => {
    test('when a profile is read twice, then the second read is a memory (l1) hit counted in /metrics', async () => {
      const { user } = await signUp(svc.app);
      const count = async (level: string, result: string) => {
        const text = (await request(svc.app).get('/metrics')).text;
        const line = text
          .split('\n')
          .find((l) =>
            l.startsWith(`cache_requests_total{entity="user",level="${level}",result="${result}"`),
          );
        return Number(line?.split(' ').pop() ?? 0);
      };
      const [hits, misses, redisMisses] = [
        await count('l1', 'hit'),
        await count('l1', 'miss'),
        await count('l2', 'miss'),
      ];
      await request(svc.app).get(`/api/users/${user.id}`);
      await request(svc.app).get(`/api/users/${user.id}`);
      expect(await count('l1', 'miss')).toBe(misses + 1);
      expect(await count('l2', 'miss')).toBe(redisMisses + 1);
      expect(await count('l1', 'hit')).toBe(hits + 1);
    });

    test('when an unknown id is read twice, then the second read is a negative hit', async () => {
      const id = '0b0b0b0b-0000-4000-8000-000000000000';
      await request(svc.app).get(`/api/users/${id}`);
      await request(svc.app).get(`/api/users/${id}`);
      const text = (await request(svc.app).get('/metrics')).text;
      expect(text).toMatch(
        /cache_requests_total\{entity="user",level="l1",result="negative_hit"[^}]*\} [1-9]/,
      );
    });
  });
});
