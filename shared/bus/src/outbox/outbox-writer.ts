import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { traceparentOf } from '@boxoffice/tracing';
import { OUTBOX_TABLE } from './outbox-migrations';

/** A domain event to publish once the caller's transaction commits. */
export interface OutboxMessage<P = unknown> {
  topic: string;
  key: string;
  type: string;
  payload: P;
  requestId?: string;
  /** The trace the message continues. Default: the active span's when the row is built. */
  traceparent?: string;
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

/** The outbox row for a message, with a new message id. */
export function outboxRow(message: OutboxMessage) {
  return {
    message_id: randomUUID(),
    topic: message.topic,
    key: message.key,
    type: message.type,
    // Stringified: node-postgres would send a JS array as a Postgres array, not JSON.
    payload: JSON.stringify(message.payload ?? null),
    request_id: message.requestId ?? null,
    trace_context: message.traceparent ?? traceparentOf() ?? null,
  };
}

/**
 * The outbox row for a statement that reads its rows from JSON (`jsonb_to_recordset`): the
 * payload stays a JSON value, not the string outboxRow makes for node-postgres.
 */
export function outboxJsonRow(message: OutboxMessage) {
  return { ...outboxRow(message), payload: message.payload ?? null };
}

/** The columns of outboxJsonRow, for a recordset's definition: `jsonb_to_recordset($1) as m(<these>)`. */
export const OUTBOX_RECORD_COLUMNS =
  'message_id uuid, topic text, key text, type text, payload jsonb, request_id text, trace_context text';

/**
 * The outbox insert of a single-statement write (a data-modifying CTE): one outbox row per row
 * of `from`, whose alias `row` has the columns of outboxJsonRow. `from` is SQL written by the
 * caller (a recordset, a join with the rows the statement changed, an `order by`), never input.
 * Example: `queued as (${outboxInsertSql('i', 'input i join inserted o on o.id = i.id order by i.ord')})`.
 */
export function outboxInsertSql(row: string, from: string): string {
  const columns = ['message_id', 'topic', 'key', 'type', 'payload', 'request_id', 'trace_context'];
  return `insert into ${OUTBOX_TABLE} (${columns.join(', ')}) select ${columns.map((c) => `${row}.${c}`).join(', ')} from ${from}`;
}
