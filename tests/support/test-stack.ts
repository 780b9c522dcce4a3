import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceName } from '@boxoffice/runtime';
import {
  ProcessSpec,
  RunningProcess,
  freePort,
  logTail,
  stackSpecs,
  spawnProcess,
  stopProcess,
  waitUntilReady,
} from '../../scripts/lib/process-stack';
import { TestEnv, createTestEnv } from './test-env';

export interface TestStack {
  env: TestEnv;
  gatewayUrl: string;
  processes: RunningProcess[];
  /** The running process named e.g. "users-1" or "gateway". */
  process(name: string): RunningProcess;
  /** Kills a process with a signal (SIGKILL by default) and waits until it is gone. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped or killed process again, on the same port, and waits until ready. */
  restart(name: string): Promise<void>;
  /** Stops every process (gateway first), then drops the env's databases and keys. */
  stop(): Promise<void>;
}

// 120 s: seven processes compiling TypeScript at once on a loaded two-core machine can take over a minute.
const READY_TIMEOUT_MS = 120_000;

/**
 * The whole system as real processes on free ports, under a fresh TestEnv: `instances` of each
 * service and a gateway over them. For tests that need the real topology (balancing, killing a
 * process mid-flight); tests of one service's routes can build its app in-process instead.
 */
export async function startTestStack(
  options: { instances?: number; env?: Record<string, string>; services?: readonly ServiceName[] } = {},
): Promise<TestStack> {
  const env = await createTestEnv({ env: options.env });
  const instances = options.instances ?? 1;
  const freePorts = async () => {
    const ports: number[] = [];
    for (let i = 0; i < instances; i++) ports.push(await freePort());
    return ports;
  };
  const all = stackSpecs(
    {
      users: await freePorts(),
      events: await freePorts(),
      tickets: await freePorts(),
      gateway: await freePort(),
    },
    env.env,
  );
  const gatewaySpec = all.find((s) => s.role === 'gateway')!;

  const logDir = mkdtempSync(join(tmpdir(), `boxoffice-${env.prefix}`));
  const running = new Map<string, RunningProcess>();
  const start = async (spec: ProcessSpec) => {
    const proc = spawnProcess(spec, logDir);
    running.set(spec.name, proc);
    await waitUntilReady(proc, READY_TIMEOUT_MS);
  };
  const stopAll = async () => {
    const procs = [...running.values()].reverse();
    await Promise.all(procs.map((p) => stopProcess(p, 5000)));
  };
  try {
    await Promise.all(all.filter((s) => s.role !== 'gateway').map(start));
    await start(gatewaySpec);
  } catch (err) {
    await stopAll();
    await env.cleanup();
    throw err;
  }
  const get = (name: string) => {
    const proc = running.get(name);
    if (!proc) throw new Error(`no process ${name}; have ${[...running.keys()].join(', ')}`);
    return proc;
  };
  return {
    env,
    gatewayUrl: gatewaySpec.url,
    get processes() {
      return [...running.values()];
    },
    process: get,
    async kill(name, signal = 'SIGKILL') {
      const proc = get(name);
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      const gone = new Promise<void>((r) => proc.child.once('exit', () => r()));
      proc.child.kill(signal);
      await gone;
    },
    async restart(name) {
      const proc = get(name);
      await start(proc);
    },
    async stop() {
      await stopAll();
      await env.cleanup();
    },
  };
}

export { logTail };
