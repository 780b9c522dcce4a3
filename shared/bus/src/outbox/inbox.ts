import type { Knex } from 'knex';
import type { Envelope } from '../envelope';
import type { DeliveryContext, MessageHandler } from '../subscribe-options';
import { INBOX_TABLE } from './outbox-migrations';

export type InboxResult<T> = { applied: true; value: T } | { applied: false };

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
    const inserted = await trx(INBOX_TABLE)
      .insert({ consumer, message_id: messageId })
      .onConflict(['consumer', 'message_id'])
      .ignore()
      .returning('message_id');
    if (inserted.length === 0) return { applied: false };
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
  return db.transaction(async (trx) => {
    const unique = [...new Set(messageIds)];
    const inserted = unique.length
      ? await trx(INBOX_TABLE)
          .insert(unique.map((id) => ({ consumer, message_id: id })))
          .onConflict(['consumer', 'message_id'])
          .ignore()
          .returning('message_id')
      : [];
    return effect(trx, new Set(inserted.map((row: { message_id: string }) => row.message_id)));
  });
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
