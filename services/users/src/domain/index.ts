export { buildUsersDeps, PROFILE_CACHE_TTL_SECONDS, type UsersDeps } from './users-deps';
export { signUp, type SignUpInput } from './sign-up';
export { verifyCredentials, type Credentials } from './verify-credentials';
export { getMyProfile, getProfile } from './get-profile';
export { updateMe, type UpdateMeInput } from './update-me';
export { dummyPasswordHash, hashPassword, verifyPassword } from './passwords';
export { PENDING_GRACE_MS } from './email-ownership';
export type { UserProfile } from './user-profile';
