export {
  createRedisClient,
  pingRedis,
  deleteKeysWithPrefix,
  type Redis,
  type RedisRole,
} from './redis-client';
