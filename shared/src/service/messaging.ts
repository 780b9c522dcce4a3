import { createBus, type RedisBus } from '../bus/redis-bus';
import type { SubscribeOptions } from '../bus/subscribe-options';
import type { TopicOptions } from '../bus/topic-options';
import { OutboxRelay } from '../outbox/outbox-relay';
import { createRedisClient, pingRedis } from '../redis/redis-client';
import type { ServiceContext } from './service-context';

export interface ServiceMessaging {
  bus: RedisBus;
  relay: OutboxRelay;
  /** Subscribe options from this process's configuration; pass them to every at-least-once subscribe. */
  subscribeOptions: SubscribeOptions;
}

/**
 * Connects a service to the bus and starts its outbox relay. Registers, at the front of the
 * shutdown order, closing the bus (consumers finish and ack their in-flight messages) and the
 * relay, so they stop before Redis and Postgres close. Adds a readiness check for the bus Redis.
 */
export async function startMessaging(
  ctx: ServiceContext,
  topics: Record<string, TopicOptions>,
): Promise<ServiceMessaging> {
  const bus = createBus({
    url: ctx.topology.busUrl,
    keyPrefix: `${ctx.config.KEY_PREFIX}bus:`,
    producer: `${ctx.service}@${ctx.config.PORT}`,
    topics,
    metrics: ctx.metrics,
  });
  bus.on('error', (err: Error) => ctx.logger.warn({ err: err.message }, 'bus redis error'));
  bus.on('handlerError', (err: Error, message: { id: string; type: string; requestId?: string }) =>
    ctx.logger.warn(
      { err, messageId: message.id, type: message.type, requestId: message.requestId },
      'message handler failed; will retry',
    ),
  );
  bus.on('deadLettered', (reason: unknown, context: unknown) =>
    ctx.logger.error({ reason, context }, 'message moved to the dead-letter stream'),
  );
  const relay = new OutboxRelay({ bus, shards: ctx.dbs, metrics: ctx.metrics });
  relay.on('error', (err: Error) => ctx.logger.warn({ err: err.message }, 'outbox relay error; retrying'));
  await relay.start();

  const probe = createRedisClient(ctx.topology.busUrl, 'cache');
  probe.on('error', () => undefined);
  ctx.readiness['redis bus'] = () => pingRedis(probe);
  ctx.shutdownSteps.unshift(
    { name: 'outbox relay', close: () => relay.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'bus probe', close: () => probe.quit().catch(() => probe.disconnect()) },
  );
  const subscribeOptions: SubscribeOptions = {
    visibilityTimeoutMs: ctx.config.BUS_VISIBILITY_TIMEOUT_MS,
    leaseMs: ctx.config.BUS_LEASE_MS,
  };
  return { bus, relay, subscribeOptions };
}
