import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 of `context` followed by `text`. Every kind of signed value (a session cookie, the
 * read positions, a forwarded identity, a caller header, a device token) has a context string of
 * its own, so one kind can never be replayed as another, even if an operator reused a key.
 */
export function contextMac(context: string, key: string, text: string): Buffer {
  return createHmac('sha256', key).update(context).update(text).digest();
}

/**
 * Whether `signature` is contextMac(context, key, text) for any of `keys` (so keys rotate). Every
 * key is tried, with no early exit, so the time taken does not reveal which key matched.
 */
export function signedByAnyKey(
  context: string,
  text: string,
  signature: Buffer,
  keys: readonly string[],
): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = contextMac(context, key, text);
    if (expected.length === signature.length && timingSafeEqual(expected, signature)) matched = true;
  }
  return matched;
}
