/**
 * The one way to start a stack: every service (`instances` of each) and the gateway over them, as
 * real processes under a Supervisor, on the data given or on a private set made for the stack.
 * `npm start`, the load tool, the benchmarks, the test harness and the fault tests all start
 * theirs here; they differ only in the options.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformEnv, SERVICE_NAMES, ServiceName, Topology, TopologyFile } from '@boxoffice/runtime';
import { sharedPoolMax } from './connection-budget';
import { consecutivePorts, stackSpecs, StackPorts } from './plan';
import { freePort } from './ports';
import { RunningProcess, inheritedEnv } from './processes';
import { StackData, createStackData } from './stack-data';
import { Supervisor, SupervisorOptions } from './supervisor';

export interface StartStackOptions {
  /**
   * The databases, keys and environment the stack runs on (a test env, or `npm start`'s own).
   * Without it: a private set (see `label`), so a run never touches the data of `npm start` or of
   * anyone's tests.
   */
  data?: StackData;
  /**
   * The private set's prefix label (default "load": `load_<random>_`). Its environment is this
   * shell's, less TOPOLOGY_FILE and PORT_BASE, with NODE_ENV=development, LOG_LEVEL=warn and a
   * DB_POOL_MAX that fits the Postgres server; its shards are created and migrated first.
   */
  label?: string;
  /** Added to every process's environment (e.g. CACHE_ENABLED=false, BUS_URL, SESSION_KEYS). */
  env?: Record<string, string>;
  /** The private set's own topology, given its prefix (e.g. 8 events shards, or a replica cluster). */
  topology?: (prefix: string, config: PlatformEnv) => TopologyFile;
  /** Instances of each service; default 1. */
  instances?: number;
  /**
   * npm start's layout: consecutive ports from each role's first (DEFAULT_PORTS, moved by these).
   * Default: free ports.
   */
  ports?: Partial<Record<ServiceName | 'gateway', number>>;
  /**
   * How the processes run: restarts (off by default), their backoff and log lines; or a
   * Supervisor of the caller's (npm start makes its own first, so that a signal mid-start stops
   * whatever did start).
   */
  supervise?: Omit<SupervisorOptions, 'logDir'> | Supervisor;
  /** Where each process's log goes; default a new temp folder. Ignored with a Supervisor given. */
  logDir?: string;
  /** How long each process gets to answer /readyz 200; default 60 s. */
  readyTimeoutMs?: number;
  /** How long stop() gives each process after SIGTERM before SIGKILL; default 5 s. */
  stopGraceMs?: number;
  /** Whether stop() removes the data too; default only for a private set made here. */
  removeData?: boolean;
}

/** A running stack. */
export interface Stack {
  data: StackData;
  topology: Topology;
  gatewayUrl: string;
  /** Service instance URLs by service, in instance order. */
  serviceUrls: Record<ServiceName, string[]>;
  logDir: string;
  supervisor: Supervisor;
  /** Every process as it runs now ("users-1", …, "gateway"): a restart replaces one. */
  readonly processes: RunningProcess[];
  /** The running process named e.g. "users-1" or "gateway". */
  process(name: string): RunningProcess;
  /** Kills a process with a signal (SIGKILL by default) and waits until it is gone. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a killed process again, on the same port, and waits until it is ready. */
  restart(name: string): Promise<void>;
  /** Stops every process (the gateway first), then removes the data if the stack owns it. */
  stop(): Promise<void>;
}

/** A private set of data for a stack: this shell's settings under a fresh prefix. */
async function privateData(options: StartStackOptions): Promise<StackData> {
  const base: Record<string, string> = { ...inheritedEnv(), NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  delete base.TOPOLOGY_FILE;
  delete base.PORT_BASE;
  const data = await createStackData({
    label: options.label ?? 'load',
    base,
    env: options.env,
    topology: options.topology,
  });
  // Pools sized for this stack's own shards (a comparison passes the size its sides share).
  data.env.DB_POOL_MAX ??= String((await sharedPoolMax(1, options.instances ?? 1, data.topology)).poolMax);
  return data;
}

async function freePorts(instances: number): Promise<StackPorts> {
  const some = async () => {
    const ports: number[] = [];
    for (let i = 0; i < instances; i++) ports.push(await freePort());
    return ports;
  };
  return { users: await some(), events: await some(), tickets: await some(), gateway: await freePort() };
}

/**
 * Starts a stack: every service process, each ready, then the gateway. If any fails to start,
 * what did start is stopped (and a private set removed) before the error is thrown.
 */
export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const owned = !options.data;
  const data = options.data ?? (await privateData(options));
  const removeData = options.removeData ?? owned;
  const env = owned ? data.env : { ...data.env, ...options.env };
  const instances = options.instances ?? 1;
  const ports = options.ports ? consecutivePorts(instances, options.ports) : await freePorts(instances);
  const specs = stackSpecs(ports, env);
  const supervisor =
    options.supervise instanceof Supervisor
      ? options.supervise
      : new Supervisor({
          restarts: false,
          readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
          ...options.supervise,
          logDir: options.logDir ?? mkdtempSync(join(tmpdir(), `boxoffice-${data.prefix}`)),
        });
  const graceMs = options.stopGraceMs ?? 5000;
  const gateway = specs.find((s) => s.role === 'gateway')!;
  try {
    await Promise.all(specs.filter((s) => s !== gateway).map((s) => supervisor.start(s)));
    await supervisor.start(gateway);
  } catch (err) {
    await supervisor.stopAll(graceMs);
    if (removeData) await data.cleanup();
    throw err;
  }
  const serviceUrls = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, specs.filter((s) => s.role === service).map((s) => s.url)]),
  ) as Record<ServiceName, string[]>;
  return {
    data,
    topology: data.topology,
    gatewayUrl: gateway.url,
    serviceUrls,
    logDir: supervisor.logDir,
    supervisor,
    get processes() {
      return supervisor.processes.map((p) => p.current);
    },
    process: (name) => supervisor.process(name).current,
    kill: (name, signal) => supervisor.kill(name, signal),
    restart: (name) => supervisor.respawn(name),
    async stop() {
      await supervisor.stopAll(graceMs);
      if (removeData) await data.cleanup();
    },
  };
}
