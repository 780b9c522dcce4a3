import { signIdentity, verifyIdentity } from '@boxoffice/shared';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const USER = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

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
    const [v, , exp, sig] = value.split('.');
    expect(
      verifyIdentity(`${v}.00000000-0000-4000-8000-000000000000.${exp}.${sig}`, [KEY_A]),
    ).toBeUndefined();
    expect(verifyIdentity(`${value.slice(0, -2)}xx`, [KEY_A])).toBeUndefined();
    expect(verifyIdentity('garbage', [KEY_A])).toBeUndefined();
    expect(verifyIdentity(undefined, [KEY_A])).toBeUndefined();
  });

  test('when it has expired, then it does not verify', () => {
    const value = signIdentity(USER, [KEY_A], Date.now() - 120_000);
    expect(verifyIdentity(value, [KEY_A])).toBeUndefined();
  });
});
