import { ServiceName } from '@boxoffice/runtime';
import { StackData, createStackData } from '@boxoffice/devstack';

/** The Postgres and Redis every test uses: the machine's, unless PG_URL / REDIS_URL say otherwise. */
export const TEST_PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An internal key only tests use, to sign identities when calling a service directly. */
export const TEST_INTERNAL_KEY = 'test-internal-key-0123456789abcdef';

/** The gateway's session key in tests, so a test can mint a valid `sid` without signing in. */
export const TEST_SESSION_KEY = 'test-session-key-0123456789abcdef-0123456789';

/**
 * A test file's private data: its prefix (e.g. "t_3f9a1c_"), the environment for its processes,
 * its topology, and cleanup() dropping its databases and keys.
 */
export type TestEnv = StackData;

/**
 * A private world for one test file: its own shard databases (migrated unless told not to)
 * and its own Redis key prefix, removed by `cleanup()`. Nothing depends on an earlier run.
 */
export function createTestEnv(
  options: { services?: readonly ServiceName[]; migrate?: boolean; env?: Record<string, string> } = {},
): Promise<TestEnv> {
  return createStackData({
    label: 't',
    base: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      PG_URL: TEST_PG_URL,
      REDIS_URL: TEST_REDIS_URL,
      INTERNAL_KEYS: TEST_INTERNAL_KEY,
      SESSION_KEYS: TEST_SESSION_KEY,
      // A test file's stack has up to 9 processes, each with a pool per shard, on one local Postgres
      // (max_connections 100): keep every shard pool small.
      DB_POOL_MAX: '3',
      PATH: process.env.PATH ?? '',
      // Tracing off: starting the SDK costs each process about 0.3 s of CPU, hundreds of times over
      // the suite. The tracing tests turn it on (OTEL_SDK_DISABLED=false); the lab's runs and the
      // compose smoke keep the default (on, 1 %).
      OTEL_SDK_DISABLED: 'true',
      // The bus: REDIS_URL unless BUS_URL says otherwise (the 'rabbitmq' jest project sets it).
      ...(process.env.BUS_URL ? { BUS_URL: process.env.BUS_URL } : {}),
    },
    env: options.env,
    services: options.services,
    migrate: options.migrate,
    removeFrom: { pgUrl: TEST_PG_URL, redisUrl: TEST_REDIS_URL },
  });
}
