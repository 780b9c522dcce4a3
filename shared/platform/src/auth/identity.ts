import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';
import { signInternalToken, tokenTimes, verifyInternalToken } from './internal-token';

/** Header carrying the user id the gateway vouches for. Clients cannot set it: the gateway strips it. */
export const IDENTITY_HEADER = 'x-boxoffice-identity';

/**
 * Header proving a call to `/internal/*` comes from the gateway: a token signed with
 * INTERNAL_KEYS whose subject is the address of the client the gateway acts for (or `gateway`
 * when it asks on its own behalf, like the topology page's poll).
 */
export const CALLER_HEADER = 'x-boxoffice-caller';

/**
 * Header carrying the device token between the gateway (which keeps it in the httpOnly device
 * cookie) and the users service's sign-in (which signs and checks it): on the request, the
 * cookie's value; on a successful sign-in's response, the renewed token.
 */
export const DEVICE_HEADER = 'x-boxoffice-device';

/**
 * The longest lifetime accepted for a signed identity or caller header, in seconds, when
 * IDENTITY_MAX_AGE_SECONDS does not say: long enough for one request's hops, short enough that a
 * leaked header is useless a minute later.
 */
export const DEFAULT_IDENTITY_MAX_AGE_SECONDS = 60;

/** How services check what the gateway signs: the keys (all verify) and the longest lifetime accepted. */
export interface InternalAuth {
  readonly keys: readonly string[];
  readonly maxAgeSeconds: number;
}

/** The InternalAuth of a process's validated configuration. */
export function internalAuthOf(config: {
  INTERNAL_KEYS: readonly string[];
  IDENTITY_MAX_AGE_SECONDS: number;
}): InternalAuth {
  return { keys: config.INTERNAL_KEYS, maxAgeSeconds: config.IDENTITY_MAX_AGE_SECONDS };
}

/** A user identity for the services, signed with the first key, living `ttlSeconds` from `nowMs`. */
export function signIdentity(
  userId: string,
  keys: readonly string[],
  nowMs = Date.now(),
  ttlSeconds = DEFAULT_IDENTITY_MAX_AGE_SECONDS,
): string {
  return signInternalToken('identity', userId, keys, tokenTimes(nowMs, ttlSeconds));
}

/** The user id in a valid identity signed by any of `keys`, within `maxAgeSeconds` (internal-token.ts). */
export function verifyIdentity(
  value: string | undefined,
  keys: readonly string[],
  nowMs = Date.now(),
  maxAgeSeconds = DEFAULT_IDENTITY_MAX_AGE_SECONDS,
): string | undefined {
  return verifyInternalToken('identity', value, keys, maxAgeSeconds, nowMs);
}

/** A caller header for a call to `/internal/*` made for the client at `address`. */
export function signCaller(
  address: string,
  keys: readonly string[],
  nowMs = Date.now(),
  ttlSeconds = DEFAULT_IDENTITY_MAX_AGE_SECONDS,
): string {
  return signInternalToken('caller', address, keys, tokenTimes(nowMs, ttlSeconds));
}

/**
 * Middleware for user-scoped routes of a service: sets `res.locals.userId` from a valid
 * gateway-signed identity, or answers 401 `unauthenticated`.
 */
export function requireIdentity(auth: InternalAuth): RequestHandler {
  return (req, res, next) => {
    const userId = verifyIdentity(req.get(IDENTITY_HEADER), auth.keys, Date.now(), auth.maxAgeSeconds);
    if (!userId) {
      next(new AppError('unauthenticated', 'Sign in first'));
      return;
    }
    res.locals.userId = userId;
    next();
  };
}

/**
 * Middleware for `/internal/*`: only the gateway (or anything holding INTERNAL_KEYS, which could
 * sign any identity anyway) may call. Sets `res.locals.callerAddress` from a valid caller header,
 * or answers 401 `unauthenticated`, so reaching a service port is not enough to use these routes.
 */
export function requireInternalCaller(auth: InternalAuth): RequestHandler {
  return (req, res, next) => {
    const address = verifyInternalToken('caller', req.get(CALLER_HEADER), auth.keys, auth.maxAgeSeconds);
    if (address === undefined) {
      next(new AppError('unauthenticated', `Internal endpoints need the gateway's signed ${CALLER_HEADER}`));
      return;
    }
    res.locals.callerAddress = address;
    next();
  };
}
