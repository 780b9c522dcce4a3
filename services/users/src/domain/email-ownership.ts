import { AppError, newId } from '@boxoffice/platform';
import { emailKey } from '@boxoffice/sharding';
import type {
  ClaimOutcomeRepository,
  EmailIndexEntry,
  EmailIndexRepository,
  UserRecord,
  UserRepository,
} from '../data-access';

/**
 * How old a pending claim must be before anyone may settle it. 60 s: a claimant applies its claim
 * in one transaction right after claiming, bounded by the 10 s statement timeout, so a claim this
 * old belongs to a process that died or stalled. Settling a younger one would race a live sign-up.
 */
export const PENDING_GRACE_MS = 60_000;

/** A pending index entry this process made, to be applied on the user's shard, then completed. */
export type EmailClaim = Pick<EmailIndexEntry, 'emailHash' | 'email' | 'userId' | 'claimId' | 'replacesHash'>;

/** Where an address stands once its index entry is settled. */
type Standing = { state: 'free' } | { state: 'claiming' } | { state: 'held'; user: UserRecord };

const FREE: Standing = { state: 'free' };

function emailTaken(): AppError {
  return new AppError('email_taken', 'That email address is already registered');
}

/**
 * Who owns which address, across shards, without distributed transactions (docs/users.md):
 *
 * 1. claim: insert a pending index entry on the address's shard (its primary key makes the
 *    address unique) carrying a fresh claim id;
 * 2. apply: on the user's shard, in one transaction, write the user row (or its new address) and
 *    an outcome row "applied" for the claim id;
 * 3. complete: mark the entry active and, on a change, release the entry of the old address.
 *
 * A process may die between any two steps. Whoever meets a pending entry older than the grace
 * period settles it: it writes outcome "abandoned" unless "applied" is already there — the outcome
 * row's primary key decides, atomically, whether step 2 happened or never will — and then either
 * deletes the entry or completes it. An active entry counts only while its user still has that
 * address; a leftover one (a change that died before step 3) is deleted when met.
 */
export class EmailOwnership {
  constructor(
    private readonly index: EmailIndexRepository,
    private readonly outcomes: ClaimOutcomeRepository,
    private readonly users: UserRepository,
  ) {}

  /** Claims a normalised address for `userId`, replacing `replacesEmail` on a change; or 409 email_taken. */
  async claim(email: string, userId: string, replacesEmail?: string): Promise<EmailClaim> {
    const emailHash = emailKey(email);
    const replacesHash = replacesEmail === undefined ? null : emailKey(replacesEmail);
    // A retry only follows an entry that was released or settled as free, so three is plenty.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim: EmailClaim = { emailHash, email, userId, claimId: newId(), replacesHash };
      if (await this.index.insertPending(claim)) return claim;
      const existing = await this.index.find(emailHash);
      if (existing && (await this.settle(existing)).state !== 'free') throw emailTaken();
    }
    throw emailTaken();
  }

  /** Step 3: pending → active, then release the replaced address if it still points at this user. */
  async complete(claim: EmailClaim): Promise<void> {
    await this.index.activate(claim.emailHash, claim.claimId);
    if (!claim.replacesHash) return;
    const previous = await this.index.find(claim.replacesHash);
    if (previous && previous.userId === claim.userId && previous.claimId !== claim.claimId) {
      await this.settle(previous);
    }
  }

  /** Undoes a claim whose apply step failed; completes it instead if the apply did commit. */
  async abandon(claim: EmailClaim): Promise<void> {
    const outcome = await this.outcomes.abandonUnlessApplied(claim.userId, claim.claimId);
    if (outcome === 'abandoned') await this.index.deleteClaim(claim.emailHash, claim.claimId);
    else await this.complete(claim);
  }

  /** The user who holds a normalised address now, if any (a claim still in flight holds nothing). */
  async holder(email: string): Promise<UserRecord | undefined> {
    const entry = await this.index.find(emailKey(email));
    if (!entry) return undefined;
    const standing = await this.settle(entry);
    return standing.state === 'held' ? standing.user : undefined;
  }

  private async settle(entry: EmailIndexEntry): Promise<Standing> {
    if (entry.status === 'pending') {
      if (entry.ageMs < PENDING_GRACE_MS) return { state: 'claiming' };
      const outcome = await this.outcomes.abandonUnlessApplied(entry.userId, entry.claimId);
      if (outcome === 'abandoned') {
        await this.index.deleteClaim(entry.emailHash, entry.claimId);
        return FREE;
      }
      await this.complete(entry);
    }
    // Every change of a user's address claims the new one first, so an active entry whose user
    // has another address is a leftover, and deleting it by claim id cannot hit a newer claim.
    const user = await this.users.findById(entry.userId);
    if (user && user.email === entry.email) return { state: 'held', user };
    await this.index.deleteClaim(entry.emailHash, entry.claimId);
    return FREE;
  }
}
