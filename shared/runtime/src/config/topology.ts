import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  BucketRange,
  parseBucketRange,
  rangeName,
  SHARD_PRESETS,
  ShardSpec,
  shardDatabaseName,
  withDatabase,
} from '@boxoffice/sharding';
import { ConfigError, describeIssues } from '@boxoffice/platform';
import { controlDatabaseUrl } from '@boxoffice/reshard';
import type { PlatformEnv } from './platform-env';

export const SERVICE_NAMES = ['users', 'events', 'tickets'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Default ports of instance 0 of each process; instance i listens on base + i. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName | 'gateway', number>> = Object.freeze({
  users: 7101,
  events: 7201,
  tickets: 7301,
  gateway: 8080,
});

const shardFileSchema = z.strictObject({
  range: z.string(),
  primary: z.url({ protocol: /^postgres(ql)?$/ }),
  replicas: z.array(z.url({ protocol: /^postgres(ql)?$/ })).default([]),
});

const serviceFileSchema = z.strictObject({
  shards: z.array(shardFileSchema).min(1).optional(),
  cacheUrl: z.url({ protocol: /^rediss?$/ }).optional(),
  instances: z
    .array(z.url({ protocol: /^https?$/ }))
    .min(1)
    .optional(),
});

/** The topology file: everything optional; what it leaves out comes from the environment. */
export const topologyFileSchema = z.strictObject({
  preset: z.enum(['talk', 'even']).optional(),
  busUrl: z.url({ protocol: /^(rediss?|amqps?)$/ }).optional(),
  /** The control database of the published shard maps (docs/resharding.md). */
  shardMapUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  services: z.partialRecord(z.enum(SERVICE_NAMES), serviceFileSchema).default({}),
});
export type TopologyFile = z.infer<typeof topologyFileSchema>;

export interface ServiceTopology {
  shards: ShardSpec[];
  /** Redis holding this service's cache. */
  cacheUrl: string;
  /** Base URLs of this service's instances, for the gateway's balancer. */
  instances: string[];
}

export interface Topology {
  busUrl: string;
  /** The control database holding the versioned shard maps a resharding publishes. */
  shardMapUrl: string;
  services: Record<ServiceName, ServiceTopology>;
}

export function readTopologyFile(path: string): TopologyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`TOPOLOGY_FILE ${path} cannot be read as JSON: ${(err as Error).message}`);
  }
  const result = topologyFileSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`TOPOLOGY_FILE ${path} is invalid:\n${describeIssues(result.error, '')}`);
  }
  return result.data;
}

function shardsFor(service: ServiceName, env: PlatformEnv, file: TopologyFile): ShardSpec[] {
  const listed = file.services[service]?.shards;
  if (listed) {
    return listed.map((shard, i) => {
      let range: BucketRange;
      try {
        range = parseBucketRange(shard.range);
      } catch (err) {
        throw new ConfigError(
          `TOPOLOGY_FILE services.${service}.shards.${i}.range: ${(err as Error).message}`,
        );
      }
      return { name: rangeName(range), range, primary: shard.primary, replicas: shard.replicas };
    });
  }
  const preset = SHARD_PRESETS[file.preset ?? env.SHARD_PRESET];
  return preset.map((range) => ({
    name: rangeName(range),
    range: { ...range },
    primary: withDatabase(env.PG_URL, shardDatabaseName(env.DB_PREFIX, service, range)),
    replicas: [],
  }));
}

/**
 * The whole topology: the topology file where it speaks, the environment where it is silent.
 * Shard maps are checked for gaps and overlaps when a ShardRouter is built from them.
 */
export function buildTopology(env: PlatformEnv, file: TopologyFile = { services: {} }): Topology {
  const services = {} as Record<ServiceName, ServiceTopology>;
  for (const service of SERVICE_NAMES) {
    const spec = file.services[service];
    services[service] = {
      shards: shardsFor(service, env, file),
      cacheUrl: spec?.cacheUrl ?? env.REDIS_URL,
      instances: spec?.instances ?? [`http://127.0.0.1:${DEFAULT_PORTS[service]}`],
    };
  }
  return {
    busUrl: file.busUrl ?? env.BUS_URL ?? env.REDIS_URL,
    // By default beside the users service's first shard: PG_URL's server for npm start, the
    // first shard server of a topology file (compose, Kubernetes), which migrate can reach.
    shardMapUrl:
      file.shardMapUrl ??
      env.SHARD_MAP_URL ??
      controlDatabaseUrl(services.users.shards[0]!.primary, env.DB_PREFIX),
    services,
  };
}

/** Reads TOPOLOGY_FILE when set, then builds the topology. */
export function loadTopology(env: PlatformEnv): Topology {
  return buildTopology(env, env.TOPOLOGY_FILE ? readTopologyFile(env.TOPOLOGY_FILE) : undefined);
}
