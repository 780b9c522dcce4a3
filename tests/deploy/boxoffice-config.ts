/**
 * The application's own configuration code, as the Kubernetes checks use it: which process a
 * container runs, and what that process's loader makes of the container's environment (the same
 * loaders the processes call at start-up, so a manifest is checked against the code, not against
 * a copy of its rules). The one file of tests/deploy that imports the packages.
 */
import { z } from 'zod';
import { ShardRouter } from '@boxoffice/sharding';
import { loadConfig } from '@boxoffice/platform';
import {
  DEFAULT_PORTS,
  SERVICE_NAMES,
  type ServiceName,
  type TopologyFile,
  buildTopology,
  loadTopology,
  platformEnvSchema,
  readTopologyFile,
  serviceEnvSchema,
} from '@boxoffice/runtime';
import { gatewayEnvSchema, loadGatewayConfig } from '../../gateway/src';
import { HEADROOM, poolsPerServer } from '@boxoffice/devstack';

export { DEFAULT_PORTS, SERVICE_NAMES, readTopologyFile, type ServiceName, type TopologyFile };

/** A Boxoffice process, by the compiled entry its container runs. */
export type AppProcess =
  | { kind: 'gateway' }
  | { kind: 'service'; service: ServiceName }
  | { kind: 'migrate' }
  | { kind: 'wait-for-migrations'; service: ServiceName };

export function processOf(command: readonly string[] | undefined): AppProcess | undefined {
  if (command?.[0] !== 'node') return undefined;
  const [entry, argument] = command.slice(1);
  if (entry === 'gateway/src/server.js') return { kind: 'gateway' };
  if (entry === 'scripts/migrate.js') return { kind: 'migrate' };
  const isService = (name: string | undefined): name is ServiceName =>
    SERVICE_NAMES.includes(name as ServiceName);
  if (entry === 'scripts/wait-for-migrations.js' && isService(argument)) {
    return { kind: 'wait-for-migrations', service: argument };
  }
  const service = /^services\/(\w+)\/src\/server\.js$/.exec(entry ?? '')?.[1];
  return isService(service) ? { kind: 'service', service } : undefined;
}

function schemaOf(process: AppProcess): z.ZodObject {
  if (process.kind === 'gateway') return gatewayEnvSchema;
  if (process.kind === 'service') return serviceEnvSchema(DEFAULT_PORTS[process.service]);
  return platformEnvSchema;
}

/** Variables the process's schema requires (no default), which the container must set. */
export function requiredVariables(process: AppProcess): string[] {
  const shape = schemaOf(process).shape as Record<string, z.ZodType>;
  return Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
}

/** A server a process connects to: Postgres, Redis, the bus (Redis or RabbitMQ) or a service's instances. */
export interface Connection {
  url: string;
  kind: 'postgres' | 'redis' | 'bus' | ServiceName;
}

export interface LoadedConfig {
  env: z.infer<typeof platformEnvSchema> & {
    PORT?: number;
    SESSION_KEYS?: string[];
    UPSTREAM_DISCOVERY?: string;
  };
  connections: Connection[];
}

/**
 * Loads the process's configuration from `env` with the process's own loader — it throws as the
 * process would exit, e.g. on the development keys in production — and lists the servers it
 * connects to.
 */
export function loadProcessConfig(
  process: AppProcess,
  env: Record<string, string | undefined>,
): LoadedConfig {
  if (process.kind === 'gateway') {
    const config = loadGatewayConfig(env);
    const connections = SERVICE_NAMES.flatMap((service) =>
      config.upstreams[service].map((url) => ({ url, kind: service })),
    );
    return { env: config.env, connections };
  }
  const config = loadConfig(schemaOf(process), env) as LoadedConfig['env'];
  const topology = loadTopology(config);
  const postgres = (service: ServiceName, withReplicas: boolean): Connection[] =>
    new ShardRouter(service, topology.services[service].shards).shards.flatMap((shard) =>
      [shard.primary, ...(withReplicas ? shard.replicas : [])].map((url) => ({
        url,
        kind: 'postgres' as const,
      })),
    );
  if (process.kind === 'migrate') {
    return { env: config, connections: SERVICE_NAMES.flatMap((service) => postgres(service, false)) };
  }
  if (process.kind === 'wait-for-migrations') {
    return { env: config, connections: postgres(process.service, false) };
  }
  const { service } = process;
  return {
    env: config,
    connections: [
      ...postgres(service, true),
      { url: topology.services[service].cacheUrl, kind: 'redis' },
      { url: topology.busUrl, kind: 'bus' },
    ],
  };
}

/** The development keys every process falls back to (and refuses in production). */
export function developmentKeys(): { internal: string; session: string } {
  return {
    internal: platformEnvSchema.parse({}).INTERNAL_KEYS[0]!,
    session: gatewayEnvSchema.parse({}).SESSION_KEYS[0]!,
  };
}

/** Shard ranges of each service, as the configuration reads them (a gap or overlap throws). */
export function shardRanges(file: TopologyFile): Record<ServiceName, string[]> {
  const topology = buildTopology(loadConfig(platformEnvSchema, {}), file);
  return Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      new ShardRouter(service, topology.services[service].shards).shards.map((shard) => shard.name),
    ]),
  ) as Record<ServiceName, string[]>;
}

/**
 * Every Postgres server's worst case: each of `instances` pods of every service holding a shard
 * there opens up to `poolMax` connections to it, plus the headroom `npm start` keeps.
 */
export function worstConnections(
  file: TopologyFile,
  instances: number,
  poolMax: number,
): { server: string; connections: number }[] {
  const topology = buildTopology(loadConfig(platformEnvSchema, {}), file);
  return poolsPerServer(topology, instances).map(({ server, pools }) => ({
    server: new URL(server).hostname,
    connections: pools * poolMax + HEADROOM,
  }));
}
