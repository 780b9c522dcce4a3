import { createRedisClient, deleteKeysWithPrefix } from '@boxoffice/platform';
import { removeRabbitNames } from '../../../shared/bus/test/remove-rabbit-names';
import type { Backend, BenchTarget } from './bench-support';

/** Where each backend's bus is: REDIS_URL and RABBITMQ_URL, or the local defaults. */
export function backendUrls(): Record<Backend, string> {
  return {
    redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    rabbitmq: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  };
}

/** A run's name prefix: every key, queue and database it makes starts with it. */
export const runPrefix = () => `bench_${process.pid}_${Date.now().toString(36)}`;

/** One backend's target under the run's prefix. */
export function busTarget(backend: Backend, run: string): BenchTarget {
  return { backend, url: backendUrls()[backend], keyPrefix: `${run}:bus:` };
}

/** Deletes what a run left on a backend: its Redis keys, or its RabbitMQ queues and exchanges. */
export async function cleanupTarget(target: BenchTarget): Promise<void> {
  if (target.backend === 'rabbitmq') return removeRabbitNames(target.url, target.keyPrefix);
  const redis = createRedisClient(target.url, 'bus');
  await deleteKeysWithPrefix(redis, target.keyPrefix);
  await redis.quit();
}
