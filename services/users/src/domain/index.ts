export { createUsersDomain, type UsersDomain } from './users-domain';
export { signUp, type SignUpInput } from './sign-up';
export { verifyCredentials, type Credentials } from './verify-credentials';
export { getMyProfile, getPublicProfile } from './get-profile';
export { updateMe, type UpdateMeInput } from './update-me';
export { dummyPasswordHash, hashPassword, verifyPassword } from './passwords';
export { PENDING_GRACE_MS } from './email-ownership';
export type { UserProfile, PublicProfile } from './user-profile';
