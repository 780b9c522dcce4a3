import { Redis } from '@boxoffice/platform';
import { emailKey } from '@boxoffice/sharding';

export interface SignInLimits {
  /** Length of the fixed window, in seconds. */
  windowSeconds: number;
  /** Failed sign-ins allowed per client IP per window (clients without a trusted device). */
  maxFailuresPerIp: number;
  /** Failed sign-ins allowed per email address per window (clients without a trusted device). */
  maxFailuresPerEmail: number;
  /** Failed sign-ins allowed per trusted device per window. */
  maxFailuresPerDevice: number;
}

/** Who is signing in: the client address, the address typed, and the trusted device if any. */
export interface SignInAttempt {
  address: string;
  email: string;
  /** The id in a valid device cookie for this very account (device-tokens.ts), else undefined. */
  device: string | undefined;
}

export type Reservation =
  | {
      allowed: true;
      /** Gives the attempt back: call it when the sign-in succeeded. */ refund(): Promise<void>;
    }
  | { allowed: false; retryAfterSeconds: number };

/**
 * Counts each key up by one and returns, per key, {count, milliseconds left in its window}. The
 * window starts with a key's first count (fixed window): one round trip, atomic, no clock reads
 * on our side.
 */
const RESERVE = `
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[i] = {count, ttl}
end
return out`;

/** Counts each key down by one, never below zero and never creating a key. */
const REFUND = `
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 0 then redis.call('DECR', key) end
end
return 0`;

/**
 * Limits failed sign-ins. A client without a trusted device is limited per IP (spraying many
 * accounts) and per address (guessing one account's password); a client presenting a valid
 * device cookie for the account is limited per device only, so strangers' failures, which lock
 * the account and the address, never lock out a device its owner signed in from before
 * (docs/decisions/0016-device-cookies-against-lockout.md). Every attempt reserves a slot before
 * the password is checked, so a burst of parallel guesses cannot slip through together; a
 * successful sign-in gives its slot back, so people who know their password are never limited
 * however often they sign in. Redis being down is not a reason to refuse every sign-in: the
 * limiter then lets attempts through (fails open) and reports.
 */
export class SignInLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: SignInLimits,
    private readonly onRedisError: (err: unknown) => void,
  ) {}

  async reserve(attempt: SignInAttempt): Promise<Reservation> {
    const keys: string[] = [];
    const caps: number[] = [];
    if (attempt.device !== undefined) {
      keys.push(`${this.keyPrefix}signin:device:${attempt.device}`);
      caps.push(this.limits.maxFailuresPerDevice);
    } else {
      // The address is hashed, so the limiter's keys do not list who tried to sign in.
      keys.push(
        `${this.keyPrefix}signin:ip:${attempt.address}`,
        `${this.keyPrefix}signin:email:${emailKey(attempt.email)}`,
      );
      caps.push(this.limits.maxFailuresPerIp, this.limits.maxFailuresPerEmail);
    }
    let counts: Array<[number, number]>;
    try {
      counts = (await this.redis.eval(
        RESERVE,
        keys.length,
        ...keys,
        this.limits.windowSeconds * 1000,
      )) as Array<[number, number]>;
    } catch (err) {
      this.onRedisError(err);
      return { allowed: true, refund: async () => undefined };
    }
    const refund = () => this.refund(keys);
    const waits = counts.map(([count, ttlMs], i) =>
      count > caps[i]! ? Math.max(1, Math.ceil(ttlMs / 1000)) : 0,
    );
    const retryAfterSeconds = Math.max(...waits);
    if (retryAfterSeconds > 0) {
      // An attempt turned away never reached the password check: it is not a failure to count.
      await refund();
      return { allowed: false, retryAfterSeconds };
    }
    return { allowed: true, refund };
  }

  private async refund(keys: string[]): Promise<void> {
    try {
      await this.redis.eval(REFUND, keys.length, ...keys);
    } catch (err) {
      this.onRedisError(err);
    }
  }
}
