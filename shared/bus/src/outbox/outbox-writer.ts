import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { OUTBOX_TABLE } from './outbox-migrations';

/** A domain event to publish once the caller's transaction commits. */
export interface OutboxMessage<P = unknown> {
  topic: string;
  key: string;
  type: string;
  payload: P;
  requestId?: string;
}

/**
 * Writes events into the outbox inside the caller's transaction, so they are published if and
 * only if the state change commits. Returns the message ids (the envelopes' ids: a consumer's
 * inbox deduplicates on them). Takes a transaction, not a pool, on purpose.
 */
export async function writeOutbox(trx: Knex.Transaction, ...messages: OutboxMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const rows = messages.map(outboxRow);
  await trx(OUTBOX_TABLE).insert(rows);
  return rows.map((row) => row.message_id);
}

/** The outbox row for a message, with a new message id (for batch writers that build their own statement). */
export function outboxRow(message: OutboxMessage) {
  return {
    message_id: randomUUID(),
    topic: message.topic,
    key: message.key,
    type: message.type,
    // Stringified: node-postgres would send a JS array as a Postgres array, not JSON.
    payload: JSON.stringify(message.payload ?? null),
    request_id: message.requestId ?? null,
  };
}

/**
 * The outbox row for a statement that reads its rows from JSON (`jsonb_to_recordset`): the
 * payload stays a JSON value, not the string outboxRow makes for node-postgres.
 */
export function outboxJsonRow(message: OutboxMessage) {
  return { ...outboxRow(message), payload: message.payload ?? null };
}

/**
 * For a single-statement write: `insert into outbox (…) select … from <source>`, to put in a
 * data-modifying CTE after the state change (`with changed as (insert … returning *), queued as
 * (<this>) select * from changed`). The outbox row is written once per row of `source` — so for a
 * one-row change, only if the change happened — atomically with it, in one round trip.
 */
export function outboxInsertFrom(
  source: string,
  message: OutboxMessage,
): { sql: string; bindings: (string | null)[] } {
  if (!/^[a-z_][a-z0-9_]*$/.test(source))
    throw new Error(`outboxInsertFrom: "${source}" is not a plain identifier`);
  const row = outboxRow(message);
  return {
    sql: `insert into ${OUTBOX_TABLE} (message_id, topic, key, type, payload, request_id) select ?, ?, ?, ?, ?::jsonb, ? from ${source}`,
    bindings: [row.message_id, row.topic, row.key, row.type, row.payload, row.request_id],
  };
}
