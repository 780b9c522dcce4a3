import { isUuid } from '@boxoffice/platform';
import { signValue, verifyValue } from './signed-value';

/** The session cookie's name (docs/architecture.md, Security). */
export const SESSION_COOKIE = 'sid';

/** What a session cookie says: who, issued when, valid until when (Unix seconds). */
export interface SessionPayload {
  uid: string;
  iat: number;
  exp: number;
}

/** A cookie this long is not ours: refuse it before doing any crypto or JSON on it. */
const MAX_COOKIE_LENGTH = 512;
/** Tolerated clock difference between gateway instances, for `iat` in the future. */
const CLOCK_SKEW_SECONDS = 60;
/** The MAC's context string (signed-value.ts): a session MAC is never valid as another value's. */
const CONTEXT = 'boxoffice-session-v1.';

/** `base64url(JSON payload).base64url(HMAC-SHA256)`, signed with the first key. */
export function encodeSession(payload: SessionPayload, keys: readonly string[]): string {
  if (!keys[0]) throw new Error('encodeSession needs at least one key');
  return signValue(CONTEXT, JSON.stringify({ uid: payload.uid, iat: payload.iat, exp: payload.exp }), keys);
}

/** A new session for `uid`, valid `ttlSeconds` from `nowMs`. */
export function newSession(uid: string, ttlSeconds: number, nowMs = Date.now()): SessionPayload {
  const iat = Math.floor(nowMs / 1000);
  return { uid, iat, exp: iat + ttlSeconds };
}

function readPayload(parsed: unknown): SessionPayload | undefined {
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { uid, iat, exp } = parsed as Record<string, unknown>;
  if (typeof uid !== 'string' || !isUuid(uid)) return undefined;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return undefined;
  return { uid: uid.toLowerCase(), iat: iat as number, exp: exp as number };
}

/**
 * The session in a cookie value, if it is well formed, signed by one of `keys` (any of them, so
 * keys rotate: add the new key first, drop the old one a session lifetime later) and unexpired.
 */
export function decodeSession(
  value: string,
  keys: readonly string[],
  nowMs = Date.now(),
): SessionPayload | undefined {
  const payload = readPayload(verifyValue(CONTEXT, value, keys, MAX_COOKIE_LENGTH));
  if (!payload) return undefined;
  const now = Math.floor(nowMs / 1000);
  if (payload.exp <= now || payload.iat > now + CLOCK_SKEW_SECONDS || payload.iat > payload.exp)
    return undefined;
  return payload;
}

/** Every value of cookie `name` in a Cookie header (a browser may send several, one per path). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** The first valid session among the request's `sid` cookies. */
export function sessionFromCookieHeader(
  header: string | undefined,
  keys: readonly string[],
  nowMs = Date.now(),
): SessionPayload | undefined {
  for (const value of cookieValues(header, SESSION_COOKIE)) {
    const session = decodeSession(value, keys, nowMs);
    if (session) return session;
  }
  return undefined;
}
