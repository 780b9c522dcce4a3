import type { Migration } from '@boxoffice/sharding';

export const OUTBOX_TABLE = 'outbox';
export const INBOX_TABLE = 'processed_messages';
/** The LISTEN/NOTIFY channel an insert into the outbox signals (at commit; a rollback signals nothing). */
export const OUTBOX_CHANNEL = 'boxoffice_outbox';

/**
 * The outbox table, for every shard of a service that publishes domain events. A statement
 * trigger sends NOTIFY, so any insert wakes the relay, whoever wrote it. Append it to the
 * service's migration list.
 */
export const outboxMigration: Migration = {
  name: '0000_outbox',
  async up(db) {
    await db.schema.createTable(OUTBOX_TABLE, (t) => {
      // Relay order is id order: a key's rows are written by transactions that lock the key's
      // entity row, so they commit in id order.
      t.bigIncrements('id').primary();
      t.uuid('message_id').notNullable();
      t.text('topic').notNullable();
      t.text('key').notNullable();
      t.text('type').notNullable();
      t.jsonb('payload').notNullable();
      t.text('request_id');
      t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    });
    await db.raw(`
      create function ${OUTBOX_TABLE}_notify() returns trigger language plpgsql as $$
      begin perform pg_notify('${OUTBOX_CHANNEL}', ''); return null; end $$`);
    await db.raw(`
      create trigger ${OUTBOX_TABLE}_notify after insert on ${OUTBOX_TABLE}
      for each statement execute function ${OUTBOX_TABLE}_notify()`);
  },
  async down(db) {
    await db.schema.dropTableIfExists(OUTBOX_TABLE);
    await db.raw(`drop function if exists ${OUTBOX_TABLE}_notify()`);
  },
};

/**
 * The trace an outbox row continues (W3C `traceparent`), so the relay publishes it in the trace of
 * the write that queued it. Nullable: rows written with tracing off carry none.
 */
export const outboxTraceContextMigration: Migration = {
  name: '0000_outbox_trace_context',
  async up(db) {
    await db.schema.alterTable(OUTBOX_TABLE, (t) => t.text('trace_context'));
  },
  async down(db) {
    await db.schema.alterTable(OUTBOX_TABLE, (t) => t.dropColumn('trace_context'));
  },
};

/** The inbox: which consumer has applied which message. For every shard of a service that consumes. */
export const inboxMigration: Migration = {
  name: '0000_inbox',
  async up(db) {
    await db.schema.createTable(INBOX_TABLE, (t) => {
      t.text('consumer').notNullable();
      t.uuid('message_id').notNullable();
      t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
      t.primary(['consumer', 'message_id']);
      t.index(['processed_at']); // for pruneInbox
    });
  },
  async down(db) {
    await db.schema.dropTableIfExists(INBOX_TABLE);
  },
};
