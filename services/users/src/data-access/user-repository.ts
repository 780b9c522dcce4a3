import type { Knex } from 'knex';
import type { ShardDatabases } from '@boxoffice/sharding';
import { recordClaimApplied } from './claim-outcome-repository';
import type { NewUser, ProfileChanges, UserRecord } from './records';

const TABLE = 'users';

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function profileColumns(changes: ProfileChanges): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (changes.displayName !== undefined) columns.display_name = changes.displayName;
  if (changes.passwordHash !== undefined) columns.password_hash = changes.passwordHash;
  return columns;
}

async function findUser(db: Knex, id: string): Promise<UserRecord | undefined> {
  const row = (await db(TABLE).first('*').where({ id })) as UserRow | undefined;
  return row ? toRecord(row) : undefined;
}

/** Users by id; each row lives on the shard its id's bucket names. */
export class UserRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  async findById(id: string): Promise<UserRecord | undefined> {
    return this.dbs.runForKey(id, (db) => findUser(db, id));
  }

  /** The user for display: may come from a replica, never older than the caller's own writes. */
  async findForDisplay(id: string): Promise<UserRecord | undefined> {
    return this.dbs.readForKey(id, (db) => findUser(db, id));
  }

  /**
   * Inserts a new user and marks its email claim applied, in one transaction on the user's shard.
   * Throws ClaimAbandonedError (and inserts nothing) if the claim was abandoned meanwhile.
   */
  async insertClaimed(user: NewUser, claimId: string): Promise<UserRecord> {
    return this.dbs.runForKey(user.id, (db) =>
      db.transaction(async (trx) => {
        await recordClaimApplied(trx, claimId, user.id);
        const [row] = (await trx(TABLE)
          .insert({
            id: user.id,
            email: user.email,
            display_name: user.displayName,
            password_hash: user.passwordHash,
          })
          .returning('*')) as UserRow[];
        return toRecord(row!);
      }),
    );
  }

  /** Changes profile fields; undefined when there is no such user. */
  async update(id: string, changes: ProfileChanges): Promise<UserRecord | undefined> {
    return this.dbs.runForKey(id, async (db) => {
      const [row] = (await db(TABLE)
        .update({ ...profileColumns(changes), updated_at: db.fn.now() })
        .where({ id })
        .returning('*')) as UserRow[];
      return row ? toRecord(row) : undefined;
    });
  }

  /**
   * Moves the user from `fromEmail` to `toEmail` (with any other changes) and marks the claim on
   * `toEmail` applied, atomically. Returns undefined, changing nothing, when the stored address is
   * no longer `fromEmail` (a concurrent change won). Throws ClaimAbandonedError if the claim was
   * abandoned meanwhile.
   */
  async changeEmailClaimed(
    id: string,
    fromEmail: string,
    toEmail: string,
    claimId: string,
    changes: ProfileChanges,
  ): Promise<UserRecord | undefined> {
    return this.dbs.runForKey(id, (db) =>
      db.transaction(async (trx: Knex.Transaction) => {
        const [row] = (await trx(TABLE)
          .update({ ...profileColumns(changes), email: toEmail, updated_at: trx.fn.now() })
          .where({ id, email: fromEmail })
          .returning('*')) as UserRow[];
        if (!row) return undefined; // nothing written; the transaction commits empty
        await recordClaimApplied(trx, claimId, id);
        return toRecord(row);
      }),
    );
  }
}
