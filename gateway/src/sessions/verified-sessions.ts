import { DEFAULT_IDENTITY_MAX_AGE_SECONDS, signIdentity } from '@boxoffice/platform';
import { SESSION_COOKIE, SessionPayload, cookieValues, decodeSession } from './session-cookie';

/** Session cookies remembered as verified, per gateway process. */
const MAX_VERIFIED = 10_000;

/**
 * The signed identity to forward for a request's session cookie, without redoing the crypto on
 * every request of a browsing user: a cookie value that verified once maps to its
 * session (its expiry is still checked on every use; a cookie never changes, and the keys are
 * fixed for the process's life), and the identity signed for a user is reused for half its
 * lifetime (30 s of the default 60), so it reaches a service with at least half its life left. Values that fail verification are not remembered, so junk cannot evict real sessions.
 * Both maps are bounded: past their size the oldest entry goes (first in, first out).
 */
export class VerifiedSessions {
  private readonly sessions = new Map<string, SessionPayload>();
  private readonly identities = new Map<string, { value: string; signedAt: number }>();

  constructor(
    private readonly sessionKeys: readonly string[],
    private readonly internalKeys: readonly string[],
    /** How long a signed identity lives: the services' IDENTITY_MAX_AGE_SECONDS. */
    private readonly identityTtlSeconds = DEFAULT_IDENTITY_MAX_AGE_SECONDS,
  ) {}

  identityFor(cookieHeader: string | undefined, nowMs = Date.now()): string | undefined {
    const session = this.sessionIn(cookieHeader, nowMs);
    return session && this.identity(session.uid, nowMs);
  }

  private sessionIn(cookieHeader: string | undefined, nowMs: number): SessionPayload | undefined {
    for (const value of cookieValues(cookieHeader, SESSION_COOKIE)) {
      const known = this.sessions.get(value);
      if (known && known.exp > Math.floor(nowMs / 1000)) return known;
      if (known) this.sessions.delete(value);
      const session = decodeSession(value, this.sessionKeys, nowMs);
      if (session) {
        remember(this.sessions, value, session);
        return session;
      }
    }
    return undefined;
  }

  private identity(uid: string, nowMs: number): string {
    const signed = this.identities.get(uid);
    const reuseMs = (this.identityTtlSeconds * 1000) / 2;
    if (signed && nowMs - signed.signedAt < reuseMs && nowMs >= signed.signedAt) return signed.value;
    const value = signIdentity(uid, this.internalKeys, nowMs, this.identityTtlSeconds);
    this.identities.delete(uid);
    remember(this.identities, uid, { value, signedAt: nowMs });
    return value;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_VERIFIED) map.delete(map.keys().next().value!);
  map.set(key, value);
}
