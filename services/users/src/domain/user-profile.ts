import type { EntityCache } from '@boxoffice/cache';
import type { UserRecord, UserRepository } from '../data-access';

/** A user without the password hash: what is cached and what the api shows (see api/user-json.ts). */
export interface UserProfile {
  id: string;
  email: string;
  displayName: string;
  createdAt: string;
  /** The cache's version of a profile (milliseconds; every write sets it); not shown by the api. */
  updatedAt: string;
}

export function toProfile(user: UserRecord): UserProfile {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/**
 * Profiles by id through the user cache (cache-aside). Holds no password hashes: anything that
 * needs one reads the database. Writers call `invalidate` after their transaction commits.
 */
export class ProfileReader {
  constructor(
    private readonly users: UserRepository,
    private readonly cache: EntityCache<UserProfile>,
  ) {}

  async get(id: string): Promise<UserProfile | undefined> {
    return this.cache.getOrLoad(id, async () => {
      const user = await this.users.findForDisplay(id);
      return user && toProfile(user);
    });
  }

  async invalidate(id: string): Promise<void> {
    await this.cache.invalidate(id);
  }
}
