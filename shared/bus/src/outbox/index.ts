export {
  outboxMigration,
  outboxTraceContextMigration,
  inboxMigration,
  OUTBOX_TABLE,
  INBOX_TABLE,
} from './outbox-migrations';
export {
  writeOutbox,
  outboxJsonRow,
  outboxInsertSql,
  OUTBOX_RECORD_COLUMNS,
  type OutboxMessage,
} from './outbox-writer';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export type { RelayShard } from './shard-relay';
export { runInInbox, runBatchInInbox, inboxHandler, inboxInsertSql, type InboxResult } from './inbox';
export { runInboxByShard, inboxItem, type InboxItem } from './sharded-inbox';
export { InboxPruner, INBOX_RETENTION_MS, redeliveryWindowMs, type InboxPrunerOptions } from './inbox-pruner';
