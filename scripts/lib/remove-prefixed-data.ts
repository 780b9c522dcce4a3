import {
  createRedisClient,
  deleteKeysWithPrefix,
  dropDatabase,
  listDatabases,
  withDatabase,
} from '@boxoffice/shared';

/**
 * Drops every database on `pgUrl`'s server and deletes every Redis key whose name starts with
 * `prefix`: how a test env or a load test's private stack leaves nothing behind.
 */
export async function removePrefixedData(pgUrl: string, redisUrl: string, prefix: string): Promise<void> {
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
