import { ServiceContext, createServiceEntityCache } from '@boxoffice/shared';
import { ClaimOutcomeRepository, EmailIndexRepository, UserRepository } from '../data-access';
import { EmailOwnership } from './email-ownership';
import { dummyPasswordHash } from './passwords';
import { ProfileReader, UserProfile } from './user-profile';

/** What the users use-cases need, built once per process from the service context. */
export interface UsersDeps {
  users: UserRepository;
  /** The cross-shard email claim protocol. */
  emails: EmailOwnership;
  /** Profiles by id, cache-aside. */
  profiles: ProfileReader;
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
    logger: ctx.logger,
  };
}
