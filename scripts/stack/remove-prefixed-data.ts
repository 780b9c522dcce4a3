import { createRedisClient, deleteKeysWithPrefix } from '@boxoffice/platform';
import { dropDatabase, listDatabases, withDatabase } from '@boxoffice/sharding';
import { removeRabbitNames } from '../../shared/bus/test/remove-rabbit-names';

/**
 * Drops every database on `pgUrl`'s server and deletes every Redis key whose name starts with
 * `prefix` (and, when the bus is on RabbitMQ, every queue and exchange): how a test env or a
 * load test's private stack leaves nothing behind.
 */
export async function removePrefixedData(
  pgUrl: string,
  redisUrl: string,
  prefix: string,
  busUrl?: string,
): Promise<void> {
  if (busUrl && /^amqps?:/.test(busUrl)) await removeRabbitNames(busUrl, prefix);
  const databases = await listDatabases(pgUrl, prefix);
  await Promise.all(databases.map((name) => dropDatabase(withDatabase(pgUrl, name))));
  const redis = createRedisClient(redisUrl, 'bus');
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
