import { contextMac, signedByAnyKey } from '@boxoffice/platform';

/*
 * `base64url(body).base64url(HMAC-SHA256(context + body))`: the signed-cookie format of the
 * session and the read positions. The MAC covers a fixed context string per kind of value, so one
 * kind can never be replayed as another (or as any other HMAC this system computes), even if an
 * operator reused a key.
 */

/** Signs `json` (already serialised) with the first key. */
export function signValue(context: string, json: string, keys: readonly string[]): string {
  const key = keys[0];
  if (!key) throw new Error('signValue needs at least one key');
  const body = Buffer.from(json).toString('base64url');
  return `${body}.${contextMac(context, key, body).toString('base64url')}`;
}

/**
 * The parsed JSON of a value signed by any of `keys` (so keys rotate), or undefined when it is
 * empty, longer than `maxLength` (refused before any crypto or JSON), malformed or badly signed.
 */
export function verifyValue(
  context: string,
  value: string,
  keys: readonly string[],
  maxLength: number,
): unknown {
  if (value.length === 0 || value.length > maxLength) return undefined;
  const parts = value.split('.');
  if (parts.length !== 2) return undefined;
  const [body, signature] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature)) return undefined;
  const given = Buffer.from(signature, 'base64url');
  // Node decodes base64url leniently; insist on the canonical form so a value has one spelling.
  if (given.toString('base64url') !== signature) return undefined;
  if (!signedByAnyKey(context, body, given, keys)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
