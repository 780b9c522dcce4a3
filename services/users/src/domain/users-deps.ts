import { ServiceContext, createServiceEntityCache } from '@boxoffice/runtime';
import { ClaimOutcomeRepository, EmailIndexRepository, UserRepository } from '../data-access';
import { DeviceTokens } from './device-tokens';
import { EmailOwnership } from './email-ownership';
import { dummyPasswordHash } from './passwords';
import { SignInLimiter } from './sign-in-limiter';
import { ProfileReader, UserProfile } from './user-profile';

/** What the users use-cases need, built once per process from the service context. */
export interface UsersDeps {
  users: UserRepository;
  /** The cross-shard email claim protocol. */
  emails: EmailOwnership;
  /** Profiles by id, cache-aside. */
  profiles: ProfileReader;
  /** Failed sign-ins per address, account and device, counted in the users cache Redis. */
  signInLimiter: SignInLimiter;
  /** The device cookie's tokens. */
  devices: DeviceTokens;
  logger: ServiceContext['logger'];
}

/**
 * Profiles stay cached 5 minutes: every write invalidates after commit, so the TTL only bounds
 * the damage of a lost invalidation. Unknown ids are remembered 10 s (the cache's default).
 */
export const PROFILE_CACHE_TTL_SECONDS = 300;

export function buildUsersDeps(ctx: ServiceContext): UsersDeps {
  const users = new UserRepository(ctx.dbs);
  const cache = createServiceEntityCache<UserProfile>(ctx, {
    entity: 'user',
    ttlSeconds: PROFILE_CACHE_TTL_SECONDS,
    versionOf: (profile) => Date.parse(profile.updatedAt),
  });
  // Computed now so the first sign-in with an unknown address is not the one that pays for it.
  void dummyPasswordHash();
  return {
    users,
    emails: new EmailOwnership(new EmailIndexRepository(ctx.dbs), new ClaimOutcomeRepository(ctx.dbs), users),
    profiles: new ProfileReader(users, cache),
    signInLimiter: signInLimiter(ctx),
    devices: new DeviceTokens(ctx.config.INTERNAL_KEYS, ctx.config.DEVICE_COOKIE_TTL_SECONDS),
    logger: ctx.logger,
  };
}

/**
 * The limiter's counters live in the users cache Redis: short-lived and fine to lose (the limiter
 * fails open while Redis is away), so they need no Redis of their own.
 */
function signInLimiter(ctx: ServiceContext): SignInLimiter {
  const config = ctx.config;
  return new SignInLimiter(
    ctx.cache,
    `${config.KEY_PREFIX}users:`,
    {
      windowSeconds: config.SIGNIN_WINDOW_SECONDS,
      maxFailuresPerIp: config.SIGNIN_MAX_FAILURES_PER_IP,
      maxFailuresPerEmail: config.SIGNIN_MAX_FAILURES_PER_EMAIL,
      maxFailuresPerDevice: config.SIGNIN_MAX_FAILURES_PER_DEVICE,
    },
    (err) => ctx.logger.warn({ err }, 'sign-in limiter unavailable; letting the attempt through'),
  );
}
