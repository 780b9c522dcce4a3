import type { EmailClaim } from './email-ownership';
import type { UsersDeps } from './users-deps';

/**
 * Step 3 of a claim whose user-side write committed. If it fails (the index shard went away),
 * the write still stands and the answer is still a success: the entry stays pending and whoever
 * meets it after the grace period completes it.
 */
export async function completeClaim(deps: UsersDeps, claim: EmailClaim): Promise<void> {
  try {
    await deps.emails.complete(claim);
  } catch (err) {
    deps.logger.warn({ err, userId: claim.userId }, 'email claim applied but not completed; left to repair');
  }
}

/** Undoes a claim whose user-side write failed; if that fails too, the grace-period repair does it. */
export async function abandonClaim(deps: UsersDeps, claim: EmailClaim): Promise<void> {
  try {
    await deps.emails.abandon(claim);
  } catch (err) {
    deps.logger.warn({ err, userId: claim.userId }, 'email claim not abandoned; left to repair');
  }
}
