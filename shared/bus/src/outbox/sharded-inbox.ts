import type { Knex } from 'knex';
import { traceparentForEffectsOf } from '@boxoffice/tracing';
import type { Envelope } from '../envelope';
import type { ShardDatabases } from '@boxoffice/sharding';
import { runBatchInInbox } from './inbox';

/**
 * A received message as a typed value: its parsed payload, and the envelope's id (what the inbox
 * records) and request id (carried on to the messages it causes). What a service's message
 * parsers hand to its domain, and the domain to data-access; the envelope stays at the edge.
 */
export interface InboxItem<P> {
  messageId: string;
  requestId?: string;
  /** The trace the message's effects continue (what the messages it causes carry on). */
  traceparent?: string;
  payload: P;
}

/** The InboxItem of an envelope whose payload was parsed into `payload`. */
export function inboxItem<P>(message: Envelope, payload: P): InboxItem<P> {
  return {
    messageId: message.id,
    requestId: message.requestId,
    traceparent: traceparentForEffectsOf(message),
    payload,
  };
}

/**
 * Runs a batch of messages through the inbox, grouped by the shard of each payload's key: per
 * shard (in order of first appearance, one after the other), one transaction that records the
 * messages for `consumer` and calls `apply` with only the items never applied before, in their
 * batch order. A shard whose items were all applied earlier (a redelivery) is not called at all.
 * Returns what every `apply` returned, concatenated. Domain code hands over the batch and gets
 * results back; shards, transactions and message ids stay in data-access.
 */
export async function runInboxByShard<P, R>(
  dbs: ShardDatabases,
  consumer: string,
  items: readonly InboxItem<P>[],
  shardKeyOf: (payload: P) => string,
  apply: (trx: Knex.Transaction, fresh: InboxItem<P>[]) => Promise<R[]>,
): Promise<R[]> {
  const applied = await dbs.runByShard(
    items,
    (item) => shardKeyOf(item.payload),
    (db, _shard, group) =>
      runBatchInInbox(
        db,
        consumer,
        group.map((item) => item.messageId),
        async (trx, fresh) => {
          const todo = group.filter((item) => fresh.has(item.messageId));
          return todo.length === 0 ? [] : apply(trx, todo);
        },
      ),
  );
  return applied.flat();
}
