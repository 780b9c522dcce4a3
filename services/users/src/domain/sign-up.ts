import { AppError, newId } from '@boxoffice/platform';
import { normalizeEmail } from '@boxoffice/sharding';
import { ClaimAbandonedError, UserRecord } from '../data-access';
import { hashPassword } from './passwords';
import { UserProfile, toProfile } from './user-profile';
import { abandonClaim, completeClaim } from './finish-claim';
import type { UsersDeps } from './users-deps';

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
}

/** POST /api/users: claim the address, write the user on its own shard, then activate the claim. */
export async function signUp(deps: UsersDeps, input: SignUpInput): Promise<UserProfile> {
  const email = normalizeEmail(input.email);
  // Hash first: the claim then stays pending for two quick statements, not for 40 ms of scrypt.
  const passwordHash = await hashPassword(input.password);
  const id = newId();
  const claim = await deps.emails.claim(email, id);

  let user: UserRecord;
  try {
    user = await deps.users.insertClaimed(
      { id, email, displayName: input.displayName, passwordHash },
      claim.claimId,
    );
  } catch (err) {
    await abandonClaim(deps, claim);
    if (err instanceof ClaimAbandonedError) {
      throw new AppError('conflict', 'The sign-up took too long to complete; try again', { cause: err });
    }
    throw err;
  }
  await completeClaim(deps, claim);
  // A lookup of this id before it existed may have cached "absent" (10 s); drop it.
  await deps.profiles.invalidate(id);
  return toProfile(user);
}
