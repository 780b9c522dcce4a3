import { EntityCache, ServiceContext } from '@boxoffice/shared';
import { ClaimOutcomeRepository, EmailIndexRepository, UserRepository } from '../data-access';
import { EmailClaim, EmailOwnership } from './email-ownership';
import { ProfileReader, UserProfile } from './user-profile';

/** What the use-cases are built from: repositories, the email protocol, the profile cache. */
export interface UsersDomain {
  users: UserRepository;
  emails: EmailOwnership;
  profiles: ProfileReader;
  logger: ServiceContext['logger'];
}

/**
 * Profiles stay cached 5 minutes: every write invalidates after commit, so the TTL only bounds
 * the damage of a lost invalidation. Unknown ids are remembered 10 s (the cache's default).
 */
const PROFILE_TTL_SECONDS = 300;

export function createUsersDomain(ctx: ServiceContext): UsersDomain {
  const users = new UserRepository(ctx.dbs);
  const cache = new EntityCache<UserProfile>({
    redis: ctx.cache,
    keyPrefix: ctx.cacheKeyPrefix,
    entity: 'user',
    metrics: ctx.metrics,
    enabled: ctx.config.CACHE_ENABLED,
    ttlSeconds: PROFILE_TTL_SECONDS,
  });
  return {
    users,
    emails: new EmailOwnership(new EmailIndexRepository(ctx.dbs), new ClaimOutcomeRepository(ctx.dbs), users),
    profiles: new ProfileReader(users, cache),
    logger: ctx.logger,
  };
}

/**
 * Step 3 of a claim whose user-side write committed. If it fails (the index shard went away),
 * the write still stands and the answer is still a success: the entry stays pending and whoever
 * meets it after the grace period completes it.
 */
export async function completeClaim(domain: UsersDomain, claim: EmailClaim): Promise<void> {
  try {
    await domain.emails.complete(claim);
  } catch (err) {
    domain.logger.warn(
      { err, userId: claim.userId },
      'email claim applied but not completed; left to repair',
    );
  }
}

/** Undoes a claim whose user-side write failed; if that fails too, the grace-period repair does it. */
export async function abandonClaim(domain: UsersDomain, claim: EmailClaim): Promise<void> {
  try {
    await domain.emails.abandon(claim);
  } catch (err) {
    domain.logger.warn({ err, userId: claim.userId }, 'email claim not abandoned; left to repair');
  }
}
