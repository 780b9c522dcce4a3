import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type ServiceBus,
  createBus,
  type SubscribeOptions,
  type TopicOptions,
  SUBSCRIBE_DEFAULTS,
  InboxPruner,
  INBOX_RETENTION_MS,
  redeliveryWindowMs,
  OutboxRelay,
} from '@boxoffice/bus';
import type { ShardDatabases } from '@boxoffice/sharding';
import type { ServiceConfig } from './service-config';

/** The bus side of a service that publishes or consumes domain events (events, tickets). */
export interface ServiceMessaging {
  bus: ServiceBus;
  relay: OutboxRelay;
  /** Deletes inbox rows older than the retention, every minute, on every shard. */
  inboxPruner: InboxPruner;
  /** Subscribe options from this process's configuration; pass them to every at-least-once subscribe. */
  subscribeOptions: SubscribeOptions;
}

export interface MessagingParts {
  service: string;
  config: ServiceConfig;
  busUrl: string;
  topics: Record<string, TopicOptions>;
  dbs: ShardDatabases;
  logger: Logger;
  metrics: Registry;
}

/**
 * The bus client, the outbox relay and the inbox pruner of one service, with their events
 * logged. Nothing runs yet: `startMessaging` starts them. Closing (and its order) is the
 * context's business.
 */
export function createMessaging(parts: MessagingParts): ServiceMessaging {
  const { config, logger } = parts;
  const bus = createBus({
    url: parts.busUrl,
    keyPrefix: `${config.KEY_PREFIX}bus:`,
    producer: `${parts.service}@${config.PORT}`,
    topics: parts.topics,
    metrics: parts.metrics,
  });
  bus.on('error', (err: Error) => logger.warn({ err: err.message }, 'bus error'));
  bus.on('handlerError', (err: Error, message: { id: string; type: string; requestId?: string }) =>
    logger.warn(
      { err, messageId: message.id, type: message.type, requestId: message.requestId },
      'message handler failed; will retry',
    ),
  );
  bus.on('deadLettered', (reason: unknown, context: unknown) =>
    logger.error({ reason, context }, 'message moved to the dead-letter stream'),
  );
  const relay = new OutboxRelay({ bus, shards: parts.dbs, metrics: parts.metrics });
  relay.on('error', (err: Error) => logger.warn({ err: err.message }, 'outbox relay error; retrying'));
  const subscribeOptions: SubscribeOptions = {
    visibilityTimeoutMs: config.BUS_VISIBILITY_TIMEOUT_MS,
    leaseMs: config.BUS_LEASE_MS,
  };
  // Never shorter than 10 redelivery windows, in case the bus is configured with long timeouts.
  const window = redeliveryWindowMs({ ...SUBSCRIBE_DEFAULTS, ...subscribeOptions });
  const inboxPruner = new InboxPruner({
    shards: parts.dbs,
    retentionMs: Math.max(INBOX_RETENTION_MS, 10 * window),
    redeliveryWindowMs: window,
  });
  inboxPruner.on('error', (err: Error) =>
    logger.warn({ err: err.message }, 'inbox pruning failed; next run retries'),
  );
  inboxPruner.on('pruned', (shard: string, rows: number) => logger.debug({ shard, rows }, 'inbox pruned'));
  return { bus, relay, inboxPruner, subscribeOptions };
}

/** Starts relaying the outbox (resolves once every shard is LISTENing, or polling) and pruning the inbox. */
export async function startMessaging(messaging: ServiceMessaging): Promise<void> {
  await messaging.relay.start();
  messaging.inboxPruner.start();
}
