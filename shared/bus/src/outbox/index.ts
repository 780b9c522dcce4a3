export {
  outboxMigration,
  inboxMigration,
  OUTBOX_CHANNEL,
  OUTBOX_TABLE,
  INBOX_TABLE,
} from './outbox-migrations';
export { writeOutbox, outboxInsertFrom, outboxRow, outboxJsonRow, type OutboxMessage } from './outbox-writer';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export type { RelayShard } from './shard-relay';
export { runInInbox, runBatchInInbox, inboxHandler, pruneInbox, type InboxResult } from './inbox';
export { runInboxByShard, type InboxItem } from './sharded-inbox';
export { InboxPruner, INBOX_RETENTION_MS, redeliveryWindowMs, type InboxPrunerOptions } from './inbox-pruner';
