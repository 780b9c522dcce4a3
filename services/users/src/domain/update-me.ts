import { AppError } from '@boxoffice/platform';
import { normalizeEmail } from '@boxoffice/sharding';
import { ClaimAbandonedError, ProfileChanges, UserRecord } from '../data-access';
import { hashPassword, verifyPassword } from './passwords';
import { UserProfile, toProfile } from './user-profile';
import { abandonClaim, completeClaim } from './finish-claim';
import type { UsersDeps } from './users-deps';

export interface UpdateMeInput {
  displayName?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

async function assertCurrentPassword(user: UserRecord, currentPassword: string | undefined): Promise<void> {
  if (currentPassword !== undefined && (await verifyPassword(currentPassword, user.passwordHash))) return;
  throw new AppError('forbidden', 'The current password is incorrect', {
    details: [{ path: 'body.currentPassword', message: 'does not match' }],
  });
}

function concurrentChange(cause?: unknown): AppError {
  return new AppError('conflict', 'Your account changed while this update ran; try again', { cause });
}

/**
 * Moves the user to a new address: claim it, then in one transaction on the user's shard change
 * the row (only if it still has the old address) and mark the claim applied, then activate the
 * new entry and release the old one. At every step exactly one address leads to the user.
 */
async function changeEmail(
  deps: UsersDeps,
  user: UserRecord,
  email: string,
  changes: ProfileChanges,
): Promise<UserRecord> {
  const claim = await deps.emails.claim(email, user.id, user.email);
  let updated: UserRecord | undefined;
  try {
    updated = await deps.users.changeEmailClaimed(user.id, user.email, email, claim.claimId, changes);
  } catch (err) {
    await abandonClaim(deps, claim);
    if (err instanceof ClaimAbandonedError) throw concurrentChange(err);
    throw err;
  }
  if (!updated) {
    await abandonClaim(deps, claim);
    throw concurrentChange();
  }
  await completeClaim(deps, claim);
  return updated;
}

/** PATCH /api/me: display name, address and password; a new password needs the current one. */
export async function updateMe(deps: UsersDeps, userId: string, input: UpdateMeInput): Promise<UserProfile> {
  const user = await deps.users.findById(userId);
  if (!user) throw new AppError('unauthenticated', 'Sign in first');

  const changes: ProfileChanges = {};
  if (input.displayName !== undefined) changes.displayName = input.displayName;
  if (input.password !== undefined) {
    await assertCurrentPassword(user, input.currentPassword);
    changes.passwordHash = await hashPassword(input.password);
  }
  const email = input.email === undefined ? user.email : normalizeEmail(input.email);
  const updated =
    email === user.email
      ? await deps.users.update(userId, changes)
      : await changeEmail(deps, user, email, changes);
  if (!updated) throw new AppError('unauthenticated', 'Sign in first');
  await deps.profiles.invalidate(userId);
  return toProfile(updated);
}
