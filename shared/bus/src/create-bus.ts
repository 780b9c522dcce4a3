import type { BusOptions, ServiceBus } from './bus-contract';
import { RabbitBus } from './rabbit-bus';
import { RedisBus, type RedisBusOptions } from './redis-bus';

/** The backend a bus URL names: `redis://`/`rediss://` → Redis Streams, `amqp://`/`amqps://` → RabbitMQ. */
export function busBackendOf(url: string): 'redis' | 'rabbitmq' {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return 'redis';
  if (scheme === 'amqp' || scheme === 'amqps') return 'rabbitmq';
  throw new Error(`bus URL must start with redis://, rediss://, amqp:// or amqps:// (got "${scheme}:")`);
}

/**
 * Creates the bus the URL's scheme names (busBackendOf). Services, scripts and tests all create
 * their bus here, so `BUS_URL=amqp://…` moves everything to RabbitMQ. Connections open lazily,
 * on the first publish or subscribe. `redisOptions` only applies to the Redis backend.
 */
export function createBus(options: BusOptions & Pick<RedisBusOptions, 'redisOptions'>): ServiceBus {
  return busBackendOf(options.url) === 'rabbitmq' ? new RabbitBus(options) : new RedisBus(options);
}
