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
  const rows = messages.map((message) => ({
    message_id: randomUUID(),
    topic: message.topic,
    key: message.key,
    type: message.type,
    // Stringified: node-postgres would send a JS array as a Postgres array, not JSON.
    payload: JSON.stringify(message.payload ?? null),
    request_id: message.requestId ?? null,
  }));
  await trx(OUTBOX_TABLE).insert(rows);
  return rows.map((row) => row.message_id);
}
