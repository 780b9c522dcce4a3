import { AppError, notFound } from '@boxoffice/platform';
import type { UserProfile } from './user-profile';
import type { UsersDeps } from './users-deps';

/** GET /api/me: the signed-in user; a valid identity naming no user is treated as signed out. */
export async function getMyProfile(deps: UsersDeps, userId: string): Promise<UserProfile> {
  const profile = await deps.profiles.get(userId);
  if (!profile) throw new AppError('unauthenticated', 'Sign in first');
  return profile;
}

/** GET /api/users/:id: anyone's profile (the api shows only its public part). */
export async function getProfile(deps: UsersDeps, id: string): Promise<UserProfile> {
  const profile = await deps.profiles.get(id);
  if (!profile) throw notFound('user', id);
  return profile;
}
