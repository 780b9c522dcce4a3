import { contextMac, signedByAnyKey } from './context-mac';

/**
 * What a token vouches for. Each purpose signs with its own context string, so a token made for
 * one (a forwarded user identity) is never valid as another (a caller header, a device cookie),
 * even though all are signed with INTERNAL_KEYS.
 */
export type TokenPurpose = 'identity' | 'caller' | 'device';

/** Clock difference tolerated between the signing and the verifying process, for `iat` in the future. */
export const CLOCK_SKEW_SECONDS = 5;

/** A token this long is not ours: refused before any crypto. */
const MAX_TOKEN_LENGTH = 512;

export interface TokenTimes {
  /** Issue time, Unix seconds. */
  issuedAt: number;
  /** Expiry, Unix seconds. */
  expiresAt: number;
}

/** The MAC context of a purpose: each purpose signs with its own (context-mac.ts). */
const contextOf = (purpose: TokenPurpose) => `boxoffice-${purpose}.`;

/**
 * `v2.<base64url subject>.<iat>.<exp>.<base64url HMAC-SHA256>`, signed with the first key. The
 * subject is base64url so it may hold any text (an IPv6 address, an email hash and an id).
 */
export function signInternalToken(
  purpose: TokenPurpose,
  subject: string,
  keys: readonly string[],
  times: TokenTimes,
): string {
  const key = keys[0];
  if (!key) throw new Error('signInternalToken needs at least one key');
  const payload = `v2.${Buffer.from(subject).toString('base64url')}.${times.issuedAt}.${times.expiresAt}`;
  return `${payload}.${contextMac(contextOf(purpose), key, payload).toString('base64url')}`;
}

/** `iat` and `exp` for a token issued at `nowMs` that lives `ttlSeconds`. */
export function tokenTimes(nowMs: number, ttlSeconds: number): TokenTimes {
  const issuedAt = Math.floor(nowMs / 1000);
  return { issuedAt, expiresAt: issuedAt + ttlSeconds };
}

/**
 * The subject of a token signed for `purpose` by any of `keys` (so keys rotate), or undefined.
 * Whatever `exp` says, a token is refused when its lifetime (`exp − iat`) or its age
 * (`now − iat`) exceeds `maxAgeSeconds`, when `iat` is more than CLOCK_SKEW_SECONDS ahead of
 * this clock, or when it has expired: a leaked or forged-with-a-leaked-key token is useless
 * after `maxAgeSeconds`.
 */
export function verifyInternalToken(
  purpose: TokenPurpose,
  value: string | undefined,
  keys: readonly string[],
  maxAgeSeconds: number,
  nowMs = Date.now(),
): string | undefined {
  if (!value || value.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== 'v2') return undefined;
  const [, subject, iatText, expText, signature] = parts as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(iatText) || !/^\d{1,12}$/.test(expText)) return undefined;
  if (!/^[A-Za-z0-9_-]*$/.test(subject) || !/^[A-Za-z0-9_-]+$/.test(signature)) return undefined;
  const iat = Number(iatText);
  const exp = Number(expText);
  const now = nowMs / 1000;
  if (iat > now + CLOCK_SKEW_SECONDS || exp < iat || exp - iat > maxAgeSeconds) return undefined;
  if (now - iat > maxAgeSeconds || exp < now) return undefined;
  const given = Buffer.from(signature, 'base64url');
  // Node decodes base64url leniently; insist on the canonical form so a token has one spelling.
  if (given.toString('base64url') !== signature) return undefined;
  if (!signedByAnyKey(contextOf(purpose), parts.slice(0, 4).join('.'), given, keys)) return undefined;
  return Buffer.from(subject, 'base64url').toString('utf8');
}
