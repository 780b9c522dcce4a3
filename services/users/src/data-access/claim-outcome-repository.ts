import type { Knex } from 'knex';
import type { ShardDatabases } from '@boxoffice/sharding';
import { ClaimAbandonedError, ClaimOutcome } from './records';

const TABLE = 'email_claim_outcomes';

/**
 * Records, inside the caller's transaction on the user's shard, that a claim took effect. The
 * outcome row is written at most once (primary key on the claim id), so this and `decide` race
 * on one unique key: whichever commits first wins, and Postgres makes the loser wait for it.
 */
export async function recordClaimApplied(
  trx: Knex.Transaction,
  claimId: string,
  userId: string,
): Promise<void> {
  const inserted = await trx(TABLE)
    .insert({ claim_id: claimId, user_id: userId, outcome: 'applied' })
    .onConflict('claim_id')
    .ignore()
    .returning('claim_id');
  if (inserted.length === 0) throw new ClaimAbandonedError(claimId);
}

/** The single, final outcome of each email claim; rows live on the shard of the claiming user. */
export class ClaimOutcomeRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  /**
   * Decides a claim that has not been applied as abandoned, unless it already has an outcome.
   * Returns the outcome that holds now: once this returns "abandoned", the claim can never apply.
   */
  async abandonUnlessApplied(userId: string, claimId: string): Promise<ClaimOutcome> {
    return this.dbs.runForKey(userId, async (db) => {
      await db(TABLE)
        .insert({ claim_id: claimId, user_id: userId, outcome: 'abandoned' })
        .onConflict('claim_id')
        .ignore();
      const row = await db(TABLE).first('outcome').where({ claim_id: claimId });
      return (row as { outcome: ClaimOutcome }).outcome;
    });
  }
}
