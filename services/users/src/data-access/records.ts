/**
 * Records are plain data, the same in every service: ids as lower-case UUID strings, timestamps
 * as ISO 8601 strings (UTC, milliseconds), so a record survives the JSON cache and the wire
 * unchanged and compares as it sorts. Row mappers convert at the edge; Dates go in, never out.
 */

/** A user as stored. `passwordHash` never leaves the users service. */
export interface UserRecord {
  id: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
}

export type NewUser = Pick<UserRecord, 'id' | 'email' | 'displayName' | 'passwordHash'>;

/** Profile fields a user may change without moving their address in the email index. */
export interface ProfileChanges {
  displayName?: string;
  passwordHash?: string;
}

/** One row of the email index: who holds (or is claiming) an address. */
export interface EmailIndexEntry {
  emailHash: string;
  email: string;
  userId: string;
  status: 'pending' | 'active';
  claimId: string;
  /** On an email change: the hash of the address this claim replaces. */
  replacesHash: string | null;
  /** How long ago the claim was made, by the index shard's clock (so process clocks don't matter). */
  ageMs: number;
}

export type ClaimOutcome = 'applied' | 'abandoned';

/**
 * Thrown when a write tries to apply an email claim whose outcome was already decided as
 * abandoned (a sweeper gave up on it): the write is rolled back and has no effect.
 */
export class ClaimAbandonedError extends Error {
  constructor(claimId: string) {
    super(`email claim ${claimId} was abandoned before it could be applied`);
    this.name = 'ClaimAbandonedError';
  }
}
