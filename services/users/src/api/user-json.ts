import type { UserProfile } from '../domain';

/** The signed-in user's own view (docs/architecture.md, The public API): never the password hash. */
export function userJson(profile: UserProfile) {
  return {
    id: profile.id,
    email: profile.email,
    displayName: profile.displayName,
    createdAt: profile.createdAt,
  };
}

/** What anyone may see of a user. */
export function publicUserJson(profile: UserProfile) {
  return { id: profile.id, displayName: profile.displayName };
}
