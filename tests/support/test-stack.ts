import { Stack, startStack } from '@boxoffice/devstack';
import { TestEnv, createTestEnv } from './test-env';

/** A stack of a test file's own: the devstack's Stack, on a TestEnv that stop() removes. */
export interface TestStack extends Stack {
  env: TestEnv;
}

// 120 s: seven processes compiling TypeScript at once on a loaded two-core machine can take over a minute.
const READY_TIMEOUT_MS = 120_000;

/**
 * The whole system as real processes on free ports, under a fresh TestEnv: `instances` of each
 * service and a gateway over them. For tests that need the real topology (balancing, killing a
 * process mid-flight); tests of one service's routes can build its app in-process instead.
 *
 * `supervise`: a process that dies is restarted by the stack's Supervisor (1 s backoff is 200 ms
 * here), as `npm start` does; without it a killed process stays down until `restart(name)`.
 * `prepare` runs once the env exists (its databases migrated) and before any process starts;
 * what it returns is added to every process's environment (e.g. a TOPOLOGY_FILE moving a shard).
 */
export async function startTestStack(
  options: {
    instances?: number;
    env?: Record<string, string>;
    supervise?: boolean;
    prepare?: (env: TestEnv) => Promise<Record<string, string>>;
  } = {},
): Promise<TestStack> {
  const env = await createTestEnv({ env: options.env });
  const prepared = await options.prepare?.(env).catch(async (err: unknown) => {
    await env.cleanup();
    throw err;
  });
  // On a failed start, startStack stops what did start and removes the env.
  const stack = await startStack({
    data: env,
    env: prepared,
    instances: options.instances,
    supervise: { restarts: options.supervise ?? false, initialDelayMs: 200 },
    readyTimeoutMs: READY_TIMEOUT_MS,
    removeData: true,
  });
  return Object.assign(stack, { env });
}
