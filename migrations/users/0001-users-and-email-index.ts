import type { Migration } from '@boxoffice/sharding';

/**
 * Three tables on every users shard (docs/architecture.md, Sharding). Which rows a shard holds depends on the key:
 * - `users`: the rows whose id's bucket the shard covers.
 * - `email_index`: the rows whose SHA-256(normalised email) bucket the shard covers. Its primary
 *   key on the hash is what makes an address unique across all shards.
 * - `email_claim_outcomes`: lives beside the user it concerns (routed by user id). One row per
 *   index claim, written exactly once, decides whether the claim took effect ("applied") or never
 *   will ("abandoned"). See docs/users.md for the protocol.
 */
export const usersAndEmailIndexMigration: Migration = {
  name: '0001_users_and_email_index',
  async up(db) {
    await db.schema.createTable('users', (t) => {
      t.uuid('id').primary();
      // Normalised (trimmed, lower-cased). Uniqueness is the email index's job, not this column's.
      t.text('email').notNullable();
      t.text('display_name').notNullable();
      t.text('password_hash').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    });

    await db.schema.createTable('email_index', (t) => {
      t.specificType('email_hash', 'char(64)').primary();
      t.text('email').notNullable();
      t.uuid('user_id').notNullable();
      t.text('status').notNullable().checkIn(['pending', 'active'], 'email_index_status');
      t.uuid('claim_id').notNullable().unique();
      // On an email change: the hash of the address this claim replaces, released once it is active.
      t.specificType('replaces_hash', 'char(64)').nullable();
      t.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
      t.timestamp('activated_at', { useTz: true }).nullable();
    });
    // For a sweep of abandoned claims: pending rows are few, so the partial index stays tiny.
    await db.raw(
      `create index email_index_pending_claimed_at on email_index (claimed_at) where status = 'pending'`,
    );

    await db.schema.createTable('email_claim_outcomes', (t) => {
      t.uuid('claim_id').primary();
      t.uuid('user_id').notNullable();
      t.text('outcome').notNullable().checkIn(['applied', 'abandoned'], 'email_claim_outcomes_outcome');
      t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    });
  },
  async down(db) {
    await db.schema.dropTableIfExists('email_claim_outcomes');
    await db.schema.dropTableIfExists('email_index');
    await db.schema.dropTableIfExists('users');
  },
};
