import type { Knex } from 'knex';
import type { Envelope } from '../envelope';
import type { DeliveryContext, MessageHandler } from '../subscribe-options';
import { INBOX_TABLE } from './outbox-migrations';

export type InboxResult<T> = { applied: true; value: T } | { applied: false };

/**
 * The inbox insert, the one way a message is recorded as applied: records (consumer, message_id)
 * for each `message_id` of `from` and returns the ids not recorded before, the fresh ones; a
 * redelivered id returns nothing. `consumer` is a SQL expression (a parameter: `?` for knex,
 * `$2::text` in a prepared statement); `from` is SQL written by the caller, never input. Used by
 * runInInbox and runBatchInInbox, and inside single-statement consumers as a CTE.
 */
export function inboxInsertSql(consumer: string, from: string): string {
  return `insert into ${INBOX_TABLE} (consumer, message_id) select distinct ${consumer}, message_id from ${from}
    on conflict (consumer, message_id) do nothing returning message_id`;
}

/** Records `messageIds` for `consumer` in the caller's transaction; returns the fresh ones. */
async function recordFresh(
  trx: Knex.Transaction,
  consumer: string,
  messageIds: readonly string[],
): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const { rows } = await trx.raw<{ rows: { message_id: string }[] }>(
    // The ids travel as one JSON array: knex would expand a JS array into one parameter per id.
    inboxInsertSql(
      '?::text',
      '(select value::uuid as message_id from jsonb_array_elements_text(?::jsonb)) m',
    ),
    [consumer, JSON.stringify(messageIds)],
  );
  return new Set(rows.map((row) => row.message_id));
}

/**
 * Runs `effect` in a transaction on `db` that also records (consumer, messageId); if the pair
 * is already there, the effect is skipped. A redelivered message therefore has no second
 * effect. Two deliveries racing each other serialise on the primary key: the second waits for
 * the first to commit, then finds the row and skips.
 */
export async function runInInbox<T>(
  db: Knex,
  consumer: string,
  messageId: string,
  effect: (trx: Knex.Transaction) => Promise<T>,
): Promise<InboxResult<T>> {
  return db.transaction(async (trx) => {
    if ((await recordFresh(trx, consumer, [messageId])).size === 0) return { applied: false };
    return { applied: true, value: await effect(trx) };
  });
}

/**
 * The batch form of runInInbox: in one transaction on `db`, records every (consumer, id) not
 * recorded before and runs `effect` with the set of those fresh ids; ids already there are the
 * redelivered ones, and the effect must skip them. Used by batch consumers (subscribeBatch).
 */
export async function runBatchInInbox<T>(
  db: Knex,
  consumer: string,
  messageIds: readonly string[],
  effect: (trx: Knex.Transaction, fresh: ReadonlySet<string>) => Promise<T>,
): Promise<T> {
  return db.transaction(async (trx) => effect(trx, await recordFresh(trx, consumer, messageIds)));
}

/**
 * A bus handler whose effect runs through the inbox on the database `dbFor` picks for the
 * message (usually the shard of the entity the message is about).
 */
export function inboxHandler<P>(
  consumer: string,
  dbFor: (message: Envelope<P>) => Knex,
  effect: (message: Envelope<P>, trx: Knex.Transaction, context: DeliveryContext) => Promise<void>,
): MessageHandler<P> {
  return async (message, context) => {
    await runInInbox(dbFor(message), consumer, message.id, (trx) => effect(message, trx, context));
  };
}

/**
 * Deletes at most `limit` inbox rows recorded more than `retentionMs` ago, oldest first, by the
 * database's clock (so process clocks don't matter); the index on processed_at finds them.
 * Bounded, so one call holds its locks for milliseconds however large the backlog. Returns rows
 * deleted: fewer than `limit` means nothing older is left. See InboxPruner for the schedule.
 */
export async function pruneInbox(db: Knex, retentionMs: number, limit: number): Promise<number> {
  const result = await db.raw<{ rowCount: number | null }>(
    `delete from ${INBOX_TABLE} where (consumer, message_id) in (
       select consumer, message_id from ${INBOX_TABLE}
       where processed_at < now() - make_interval(secs => ?)
       order by processed_at
       limit ?)`,
    [retentionMs / 1000, limit],
  );
  return result.rowCount ?? 0;
}
