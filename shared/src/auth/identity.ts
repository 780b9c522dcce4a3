import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/** Header carrying the user id the gateway vouches for. Clients cannot set it: the gateway strips it. */
export const IDENTITY_HEADER = 'x-boxoffice-identity';

/** How long a forwarded identity is valid: long enough for one request's hops, short enough to be useless if leaked. */
const IDENTITY_TTL_SECONDS = 60;

function mac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** `v1.<userId>.<expiresAtSeconds>.<hmac>`, signed with the first key. */
export function signIdentity(userId: string, keys: readonly string[], nowMs = Date.now()): string {
  const key = keys[0];
  if (!key) throw new Error('signIdentity needs at least one key');
  const payload = `v1.${userId}.${Math.floor(nowMs / 1000) + IDENTITY_TTL_SECONDS}`;
  return `${payload}.${mac(key, payload)}`;
}

/** The user id in a valid, unexpired identity signed by any of `keys`; otherwise undefined. */
export function verifyIdentity(
  value: string | undefined,
  keys: readonly string[],
  nowMs = Date.now(),
): string | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
  const [version, userId, expires, signature] = parts as [string, string, string, string];
  const expiresAt = Number(expires);
  if (!Number.isInteger(expiresAt) || expiresAt * 1000 < nowMs) return undefined;
  const given = Buffer.from(signature);
  const payload = `${version}.${userId}.${expires}`;
  for (const key of keys) {
    const expected = Buffer.from(mac(key, payload));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return userId;
  }
  return undefined;
}

/**
 * Middleware for user-scoped routes of a service: sets `res.locals.userId` from a valid
 * gateway-signed identity, or answers 401 `unauthenticated`.
 */
export function requireIdentity(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const userId = verifyIdentity(req.get(IDENTITY_HEADER), keys);
    if (!userId) {
      next(new AppError('unauthenticated', 'Sign in first'));
      return;
    }
    res.locals.userId = userId;
    next();
  };
}
