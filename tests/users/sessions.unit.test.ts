import {
  loadGatewayConfig,
  cookieValues,
  decodeSession,
  encodeSession,
  newSession,
  sessionFromCookieHeader,
} from '../../gateway/src';
import { hashPassword, verifyPassword } from '../../services/users/src';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(32);
const UID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const NOW = Date.UTC(2026, 0, 1);

describe('the session cookie', () => {
  test('when a session is encoded, then it decodes to the same payload', () => {
    const session = newSession(UID, 3600, NOW);
    expect(decodeSession(encodeSession(session, [KEY]), [KEY], NOW)).toEqual(session);
    expect(session.exp - session.iat).toBe(3600);
  });

  test('when the payload is base64url JSON {uid, iat, exp}, then a reader can see it but not forge it', () => {
    const value = encodeSession(newSession(UID, 60, NOW), [KEY]);
    const [body] = value.split('.');
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString())).toEqual({
      uid: UID,
      iat: NOW / 1000,
      exp: NOW / 1000 + 60,
    });
  });

  test('when keys rotate, then a cookie signed with the old key still verifies while the old key is listed', () => {
    const old = encodeSession(newSession(UID, 60, NOW), [OLD_KEY]);
    expect(decodeSession(old, [KEY, OLD_KEY], NOW)?.uid).toBe(UID);
    expect(decodeSession(old, [KEY], NOW)).toBeUndefined();
  });

  test('when the payload is altered, then the cookie is refused', () => {
    const value = encodeSession(newSession(UID, 60, NOW), [KEY]);
    const [, signature] = value.split('.');
    const forged = Buffer.from(JSON.stringify({ uid: UID.replace('3f', '00'), iat: 0, exp: 9e9 })).toString(
      'base64url',
    );
    expect(decodeSession(`${forged}.${signature}`, [KEY], NOW)).toBeUndefined();
  });

  test('when the session has expired, then it is refused', () => {
    const value = encodeSession(newSession(UID, 60, NOW), [KEY]);
    expect(decodeSession(value, [KEY], NOW + 59_000)).toBeDefined();
    expect(decodeSession(value, [KEY], NOW + 60_000)).toBeUndefined();
  });

  test('when the session was issued in the future, then it is refused', () => {
    const value = encodeSession(newSession(UID, 3600, NOW + 10 * 60_000), [KEY]);
    expect(decodeSession(value, [KEY], NOW)).toBeUndefined();
  });

  test.each([
    ['empty', ''],
    ['garbage', 'garbage'],
    ['three parts', 'a.b.c'],
    ['non-base64url characters', 'a+b.c/d'],
    ['an overlong value', `${'a'.repeat(600)}.b`],
    ['an unsigned non-JSON body', `${Buffer.from('nope').toString('base64url')}.x`],
  ])('when the cookie is %s, then it is refused', (_what, value) => {
    expect(decodeSession(value, [KEY], NOW)).toBeUndefined();
  });

  test('when a correctly signed payload has no UUID uid or no integer times, then it is refused', () => {
    // Properly signed, so only the payload checks can refuse these.
    const sign = (payload: unknown) => encodeSession(payload as never, [KEY]);
    expect(
      decodeSession(sign({ uid: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 60 }), [KEY], NOW),
    ).toBeUndefined();
    expect(decodeSession(sign({ uid: UID, iat: 'x', exp: NOW / 1000 + 60 }), [KEY], NOW)).toBeUndefined();
  });

  test('when the Cookie header holds several cookies, then the first valid sid wins', () => {
    const good = encodeSession(newSession(UID, 60, NOW), [KEY]);
    const header = `theme=dark; sid=garbage; other=1; sid=${good}`;
    expect(cookieValues(header, 'sid')).toEqual(['garbage', good]);
    expect(sessionFromCookieHeader(header, [KEY], NOW)?.uid).toBe(UID);
    expect(sessionFromCookieHeader(undefined, [KEY], NOW)).toBeUndefined();
  });
});

describe('password hashing', () => {
  test('when a password is hashed, then only that password verifies and the hash hides it', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
  });

  test('when one password is hashed twice, then the salts differ', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  test.each(['', 'bcrypt$x', 'scrypt$0$8$1$AA$AA', 'scrypt$abc$8$1$AA$AA'])(
    'when the stored hash is unreadable (%s), then nothing verifies',
    async (stored) => {
      expect(await verifyPassword('anything', stored)).toBe(false);
    },
  );
});

describe('the gateway session configuration', () => {
  test('when nothing is set, then sessions last 7 days with the development key', () => {
    const { env } = loadGatewayConfig({});
    expect(env.SESSION_TTL_SECONDS).toBe(604_800);
    expect(env.SESSION_KEYS).toHaveLength(1);
    expect(env.SIGNIN_MAX_FAILURES_PER_EMAIL).toBe(10);
  });

  test('when SESSION_KEYS lists keys, then all are kept in order', () => {
    const { env } = loadGatewayConfig({ SESSION_KEYS: `${KEY}, ${OLD_KEY}` });
    expect(env.SESSION_KEYS).toEqual([KEY, OLD_KEY]);
  });

  test('when a session key is short, then start-up fails naming SESSION_KEYS', () => {
    expect(() => loadGatewayConfig({ SESSION_KEYS: 'short' })).toThrow(/SESSION_KEYS/);
  });

  test('when production runs with the development key, then start-up fails naming SESSION_KEYS', () => {
    // Production also needs its own INTERNAL_KEYS (tests/hardening/config-hardening.unit.test.ts).
    const INTERNAL_KEYS = 'own-internal-key-0123456789';
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', INTERNAL_KEYS })).toThrow(/SESSION_KEYS/);
    expect(() =>
      loadGatewayConfig({ NODE_ENV: 'production', INTERNAL_KEYS, SESSION_KEYS: KEY }),
    ).not.toThrow();
  });
});
