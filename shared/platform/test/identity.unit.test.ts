import { createHmac } from 'node:crypto';
import {
  signCaller,
  signIdentity,
  signInternalToken,
  verifyIdentity,
  verifyInternalToken,
} from '@boxoffice/platform';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const USER = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;
const YEAR_S = 365 * 24 * 3600;

/** An identity with the given issue and expiry times (Unix seconds), signed with the right key. */
const identityWith = (issuedAt: number, expiresAt: number) =>
  signInternalToken('identity', USER, [KEY_A], { issuedAt, expiresAt });

describe('gateway-signed identity', () => {
  test('when signed with a listed key and fresh, then it verifies to the user id', () => {
    expect(verifyIdentity(signIdentity(USER, [KEY_A]), [KEY_A])).toBe(USER);
  });

  test('when keys rotate, then an identity signed with the old key still verifies while it is listed', () => {
    const old = signIdentity(USER, [KEY_A]);
    expect(verifyIdentity(old, [KEY_B, KEY_A])).toBe(USER);
    expect(verifyIdentity(old, [KEY_B])).toBeUndefined();
  });

  test('when the user id or signature is tampered with, then it does not verify', () => {
    const value = signIdentity(USER, [KEY_A]);
    const [v, , iat, exp, sig] = value.split('.');
    const other = Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(verifyIdentity(`${v}.${other}.${iat}.${exp}.${sig}`, [KEY_A])).toBeUndefined();
    expect(verifyIdentity(`${value.slice(0, -2)}xx`, [KEY_A])).toBeUndefined();
    expect(verifyIdentity('garbage', [KEY_A])).toBeUndefined();
    expect(verifyIdentity(undefined, [KEY_A])).toBeUndefined();
  });

  test('when it has expired, then it does not verify', () => {
    const value = signIdentity(USER, [KEY_A], Date.now() - 120_000);
    expect(verifyIdentity(value, [KEY_A])).toBeUndefined();
  });

  test('when it was signed with a 50-year expiry and the right key, then it does not verify', () => {
    expect(verifyIdentity(identityWith(NOW_S, NOW_S + 50 * YEAR_S), [KEY_A], NOW)).toBeUndefined();
  });

  test('when the old v1 format is signed with the right key, then it does not verify (it carried no issue time)', () => {
    const payload = `v1.${USER}.${NOW_S + 50 * YEAR_S}`;
    const v1 = `${payload}.${createHmac('sha256', KEY_A).update(payload).digest('base64url')}`;
    expect(verifyIdentity(v1, [KEY_A], NOW)).toBeUndefined();
  });

  test.each([
    ['a lifetime of exactly the bound (60 s)', NOW_S, NOW_S + 60, NOW, true],
    ['a lifetime of 61 s', NOW_S, NOW_S + 61, NOW, false],
    ['an issue time 5 s ahead (clock skew)', NOW_S + 5, NOW_S + 30, NOW, true],
    ['an issue time 6 s ahead', NOW_S + 6, NOW_S + 30, NOW, false],
    ['an age of 60 s', NOW_S - 60, NOW_S + 0, NOW, true],
    ['an age of 61 s (expired too)', NOW_S - 61, NOW_S - 1, NOW, false],
    ['an expiry before its issue time', NOW_S, NOW_S - 1, NOW, false],
  ])('when it has %s, then verified is %s', (_what, iat, exp, now, ok) => {
    expect(verifyIdentity(identityWith(iat, exp), [KEY_A], now)).toBe(ok ? USER : undefined);
  });

  test('when the bound is configured to 10 s, then a 30 s lifetime is refused and a 10 s one accepted', () => {
    expect(verifyIdentity(identityWith(NOW_S, NOW_S + 30), [KEY_A], NOW, 10)).toBeUndefined();
    expect(verifyIdentity(identityWith(NOW_S, NOW_S + 10), [KEY_A], NOW, 10)).toBe(USER);
  });

  test('when a caller header is presented as an identity (same key), then it does not verify, nor the reverse', () => {
    expect(verifyIdentity(signCaller(USER, [KEY_A], NOW), [KEY_A], NOW)).toBeUndefined();
    expect(verifyInternalToken('caller', signIdentity(USER, [KEY_A], NOW), [KEY_A], 60, NOW)).toBeUndefined();
  });

  test('when the caller subject is an IPv6 address, then it survives the round trip', () => {
    expect(verifyInternalToken('caller', signCaller('::ffff:10.0.0.1', [KEY_A], NOW), [KEY_A], 60, NOW)).toBe(
      '::ffff:10.0.0.1',
    );
  });
});
