import { AppError } from '@boxoffice/platform';
import { normalizeEmail } from '@boxoffice/sharding';
import { dummyPasswordHash, verifyPassword } from './passwords';
import { UserProfile, toProfile } from './user-profile';
import type { UsersDeps } from './users-deps';

export interface Credentials {
  email: string;
  password: string;
}

/**
 * The check behind POST /api/sessions (the gateway mints the cookie). An unknown address and a
 * wrong password give the same error after the same work: an unknown address is verified against
 * a dummy hash, so neither the answer nor its timing tells which addresses have accounts.
 */
export async function verifyCredentials(deps: UsersDeps, credentials: Credentials): Promise<UserProfile> {
  const user = await deps.emails.holder(normalizeEmail(credentials.email));
  const matches = await verifyPassword(
    credentials.password,
    user?.passwordHash ?? (await dummyPasswordHash()),
  );
  if (!user || !matches) throw new AppError('unauthenticated', 'The email or password is incorrect');
  return toProfile(user);
}
