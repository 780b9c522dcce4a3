import type { ShardDatabases } from '@boxoffice/sharding';
import type { EmailIndexEntry } from './records';

const TABLE = 'email_index';

interface EntryRow {
  email_hash: string;
  email: string;
  user_id: string;
  status: 'pending' | 'active';
  claim_id: string;
  replaces_hash: string | null;
  age_ms: string | number;
}

function toEntry(row: EntryRow): EmailIndexEntry {
  return {
    emailHash: row.email_hash,
    email: row.email,
    userId: row.user_id,
    status: row.status,
    claimId: row.claim_id,
    replacesHash: row.replaces_hash,
    ageMs: Number(row.age_ms),
  };
}

export interface NewClaim {
  emailHash: string;
  email: string;
  userId: string;
  claimId: string;
  replacesHash: string | null;
}

/**
 * The email index: one row per address, on the shard its SHA-256 names (`emailHash` is the
 * shard key). The primary key on the hash makes an address unique across every shard.
 */
export class EmailIndexRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  async find(emailHash: string): Promise<EmailIndexEntry | undefined> {
    return this.dbs.runForKey(emailHash, async (db) => {
      const row = (await db(TABLE)
        .first('*', db.raw('(extract(epoch from (now() - claimed_at)) * 1000)::bigint as age_ms'))
        .where({ email_hash: emailHash })) as EntryRow | undefined;
      return row ? toEntry(row) : undefined;
    });
  }

  /** Inserts a pending claim; false when the address already has a row (claimed or held). */
  async insertPending(claim: NewClaim): Promise<boolean> {
    return this.dbs.runForKey(claim.emailHash, async (db) => {
      const inserted = await db(TABLE)
        .insert({
          email_hash: claim.emailHash,
          email: claim.email,
          user_id: claim.userId,
          status: 'pending',
          claim_id: claim.claimId,
          replaces_hash: claim.replacesHash,
        })
        .onConflict('email_hash')
        .ignore()
        .returning('claim_id');
      return inserted.length === 1;
    });
  }

  /** pending → active for exactly this claim; false when the row is not this pending claim. */
  async activate(emailHash: string, claimId: string): Promise<boolean> {
    return this.dbs.runForKey(emailHash, async (db) => {
      const updated = await db(TABLE)
        .update({ status: 'active', activated_at: db.fn.now() })
        .where({ email_hash: emailHash, claim_id: claimId, status: 'pending' });
      return updated === 1;
    });
  }

  /** Deletes the row only if it is still this claim, so a newer claim on the address is never lost. */
  async deleteClaim(emailHash: string, claimId: string): Promise<boolean> {
    return this.dbs.runForKey(emailHash, async (db) => {
      const deleted = await db(TABLE).delete().where({ email_hash: emailHash, claim_id: claimId });
      return deleted === 1;
    });
  }
}
