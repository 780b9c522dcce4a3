import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@boxoffice/platform';
import { SERVICE_NAMES, Topology, TopologyFile, buildTopology, platformEnvSchema } from '@boxoffice/runtime';
import { poolPlanFor } from '../lib/connection-budget';
import { migrateAllShards } from '../lib/migrate-shards';
import { removePrefixedData } from '../lib/remove-prefixed-data';
import {
  RunningProcess,
  freePort,
  inheritedEnv,
  stackSpecs,
  startPlannedStack,
  stopProcess,
} from '../lib/process-stack';

/** `instances` free ports for each service and one for the gateway. */
async function freePortsPerService(instances: number) {
  const some = async () => Promise.all(Array.from({ length: instances }, () => freePort()));
  return { users: await some(), events: await some(), tickets: await some(), gateway: await freePort() };
}

/**
 * The DB_POOL_MAX for `stacks` private stacks started side by side (a comparison's sides), each
 * with `instances` of every service, so that all their pools fit the Postgres server
 * (scripts/lib/connection-budget.ts): the same for every side, so none is favoured. A DB_POOL_MAX
 * in the environment is kept. With a line saying why, when it is below the default.
 */
export async function sharedPoolMax(
  stacks: number,
  instances = 1,
  /** The stacks' topology (e.g. 8 events shards); by default the single-server one. */
  topology?: Topology,
): Promise<{ poolMax: number; note?: string }> {
  const env: Record<string, string> = { ...inheritedEnv(), DB_PREFIX: 'load_sizing_' };
  delete env.TOPOLOGY_FILE;
  const config = loadConfig(platformEnvSchema, env);
  const plan = await poolPlanFor(topology ?? buildTopology(config), {
    instances,
    stacks,
    wanted: config.DB_POOL_MAX,
    explicit: process.env.DB_POOL_MAX !== undefined,
  });
  if (plan.poolMax >= config.DB_POOL_MAX && plan.fits) return { poolMax: plan.poolMax };
  const why = `${stacks} stack(s) side by side; ${plan.notes.join('; ')}`;
  return {
    poolMax: plan.poolMax,
    note: `DB_POOL_MAX=${plan.poolMax}${plan.fits ? '' : ' (does not fit)'}: ${why}`,
  };
}

/** A private stack a run starts for itself: every service and the gateway on free ports. */
export interface OwnStack {
  gatewayUrl: string;
  /** Service instance URLs, by service. */
  serviceUrls: Record<string, string>;
  topology: Topology;
  /** Process ids by role ("gateway", "events", …), e.g. to read their CPU time. */
  pids: Record<string, number>;
  logDir: string;
  /** Every process of the stack ("tickets-1", "gateway") with its role, URL and pid (for CPU time). */
  processes: { name: string; role: string; url: string; pid: number }[];
  /** Stops every process, then drops the stack's databases and Redis keys. */
  stop(): Promise<void>;
}

/**
 * Starts `options.instances` (default 1) of each service and a gateway, under a fresh
 * `load_<random>_` database and key prefix, so a baseline run never touches the data of `npm
 * start` or of anyone's tests. `env` is added to every process (e.g. CACHE_ENABLED=false).
 * `topology`, given the stack's prefix, writes a topology file every process reads (e.g. 8
 * events shards); without it, the default single-server topology, whatever the caller's shell says.
 */
export async function startOwnStack(
  env: Record<string, string> = {},
  options: { topology?: (prefix: string) => TopologyFile; instances?: number } = {},
): Promise<OwnStack> {
  const prefix = `load_${randomBytes(3).toString('hex')}_`;
  const inherited = inheritedEnv();
  const stackEnv: Record<string, string> = {
    ...inherited,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DB_PREFIX: prefix,
    KEY_PREFIX: prefix,
    ...env,
  };
  delete stackEnv.TOPOLOGY_FILE;
  delete stackEnv.PORT_BASE;
  const logDir = mkdtempSync(join(tmpdir(), `boxoffice-${prefix}`));
  const file = options.topology?.(prefix);
  if (file) {
    stackEnv.TOPOLOGY_FILE = join(logDir, 'topology.json');
    writeFileSync(stackEnv.TOPOLOGY_FILE, JSON.stringify(file, null, 2));
  }
  const config = loadConfig(platformEnvSchema, stackEnv);
  const topology = buildTopology(config, file);
  // Pools sized for this stack's own shards (a comparison passes the size its sides share).
  stackEnv.DB_POOL_MAX ??= String((await sharedPoolMax(1, options.instances ?? 1, topology)).poolMax);
  const cleanup = () => removePrefixedData(config.PG_URL, config.REDIS_URL, prefix, config.BUS_URL);
  await migrateAllShards(topology, SERVICE_NAMES);
  const specs = stackSpecs(await freePortsPerService(options.instances ?? 1), stackEnv);
  const running: RunningProcess[] = [];
  const stopAll = () => Promise.all([...running].reverse().map((p) => stopProcess(p, 5000)));
  try {
    await startPlannedStack(specs, logDir, running, 60_000);
  } catch (err) {
    await stopAll();
    await cleanup();
    throw err;
  }
  return {
    gatewayUrl: running.find((p) => p.role === 'gateway')!.url,
    serviceUrls: Object.fromEntries(running.filter((p) => p.role !== 'gateway').map((p) => [p.role, p.url])),
    topology,
    pids: Object.fromEntries(running.map((p) => [p.role, p.child.pid!])),
    logDir,
    processes: running.map((p) => ({ name: p.name, role: p.role, url: p.url, pid: p.child.pid ?? 0 })),
    async stop() {
      await stopAll();
      await cleanup();
    },
  };
}
