/**
 * The data a stack runs on: its databases and Redis keys, named under one prefix so that stacks
 * side by side (tests, load runs, `npm start`) never see each other's, and removed by prefix
 * afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@boxoffice/platform';
import {
  PlatformEnv,
  SERVICE_NAMES,
  ServiceName,
  Topology,
  TopologyFile,
  buildTopology,
  platformEnvSchema,
} from '@boxoffice/runtime';
import { migrateAllShards } from './migrate-shards';
import { removePrefixedData } from './remove-prefixed-data';

export interface StackData {
  /** e.g. "t_3f9a1c_": every database and Redis key of this data starts with it. */
  prefix: string;
  /** Environment for the stack's processes (DB_PREFIX, KEY_PREFIX, PG_URL, keys…). */
  env: Record<string, string>;
  topology: Topology;
  /** Drops the databases and deletes the keys (and RabbitMQ names) under the prefix. */
  cleanup(): Promise<void>;
}

export interface StackDataOptions {
  /** The prefix is `<label>_<6 random hex digits>_`: "t" for tests, "load" for load runs and benchmarks. */
  label: string;
  /** The processes' environment before the prefix is set (PG_URL, REDIS_URL, keys, log level…). */
  base: Record<string, string>;
  /** Set over the prefix: may move DB_PREFIX, PG_URL, TOPOLOGY_FILE… */
  env?: Record<string, string>;
  /**
   * A topology file of this data's own (e.g. 8 events shards), given its prefix and settings;
   * written to a temp folder and named by TOPOLOGY_FILE. Without it, the topology is the preset's.
   */
  topology?: (prefix: string, config: PlatformEnv) => TopologyFile;
  /** Whether to create and migrate the shard databases now (default true), and of which services. */
  migrate?: boolean;
  services?: readonly ServiceName[];
  /** Where cleanup() looks for the databases and keys; default the environment's PG_URL and REDIS_URL. */
  removeFrom?: { pgUrl: string; redisUrl: string };
}

/** Fresh data under a new prefix: its environment and topology, its shards created and migrated. */
export async function createStackData(options: StackDataOptions): Promise<StackData> {
  const prefix = `${options.label}_${randomBytes(3).toString('hex')}_`;
  const env: Record<string, string> = {
    ...options.base,
    DB_PREFIX: prefix,
    KEY_PREFIX: prefix,
    ...options.env,
  };
  let config = loadConfig(platformEnvSchema, env);
  const file = options.topology?.(prefix, config);
  if (file) {
    env.TOPOLOGY_FILE = join(mkdtempSync(join(tmpdir(), `boxoffice-${prefix}`)), 'topology.json');
    writeFileSync(env.TOPOLOGY_FILE, JSON.stringify(file, null, 2));
    config = loadConfig(platformEnvSchema, env);
  }
  const topology = buildTopology(config, file);
  if (options.migrate !== false) await migrateAllShards(topology, options.services ?? SERVICE_NAMES);
  const from = options.removeFrom ?? { pgUrl: config.PG_URL, redisUrl: config.REDIS_URL };
  return {
    prefix,
    env,
    topology,
    cleanup: () => removePrefixedData(from.pgUrl, from.redisUrl, prefix, topology.busUrl),
  };
}

/**
 * The data `npm start` (or any stack run on the caller's own settings) uses: the environment as
 * given, its topology, nothing removed afterwards.
 */
export function givenStackData(env: Record<string, string>, topology: Topology): StackData {
  return { prefix: env.DB_PREFIX ?? '', env, topology, cleanup: async () => undefined };
}
