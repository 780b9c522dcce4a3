import { AppError, isUuid } from '@boxoffice/shared';
import { PublicProfile, UserProfile, toPublicProfile } from './user-profile';
import type { UsersDomain } from './users-domain';

/** GET /api/me: the signed-in user; a valid identity naming no user is treated as signed out. */
export async function getMyProfile(domain: UsersDomain, userId: string): Promise<UserProfile> {
  const profile = await domain.profiles.get(userId);
  if (!profile) throw new AppError('unauthenticated', 'Sign in first');
  return profile;
}

/** GET /api/users/:id: anyone's public profile. A malformed id is simply a user that does not exist. */
export async function getPublicProfile(domain: UsersDomain, id: string): Promise<PublicProfile> {
  const profile = isUuid(id) ? await domain.profiles.get(id.toLowerCase()) : undefined;
  if (!profile) throw new AppError('not_found', 'No such user');
  return toPublicProfile(profile);
}
