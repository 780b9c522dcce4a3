import { z } from 'zod';
import {
  DEFAULT_PORTS,
  SERVICE_NAMES,
  ServiceName,
  commaList,
  loadConfig,
  loadTopology,
  platformEnvSchema,
  portNumber,
} from '@boxoffice/shared';

const urlList = commaList.pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

/** The gateway's environment: the platform's, plus where each service's instances are. */
export const gatewayEnvSchema = platformEnvSchema.extend({
  PORT: portNumber.default(DEFAULT_PORTS.gateway),
  /** Instance base URLs per service, comma-separated; they override the topology file. */
  USERS_URLS: urlList.optional(),
  EVENTS_URLS: urlList.optional(),
  TICKETS_URLS: urlList.optional(),
  /**
   * How long the gateway waits for an upstream's response headers. 15 s: above the purchase
   * endpoint's longest allowed wait (`Prefer: wait=10`) plus its own work.
   */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export interface GatewayConfig {
  env: GatewayEnv;
  upstreams: Record<ServiceName, string[]>;
}

const URL_VARIABLES: Record<ServiceName, 'USERS_URLS' | 'EVENTS_URLS' | 'TICKETS_URLS'> = {
  users: 'USERS_URLS',
  events: 'EVENTS_URLS',
  tickets: 'TICKETS_URLS',
};

/** Reads the gateway's configuration once; throws ConfigError naming a bad variable. */
export function loadGatewayConfig(source: Record<string, string | undefined>): GatewayConfig {
  const env = loadConfig(gatewayEnvSchema, source);
  const topology = loadTopology(env);
  const upstreams = {} as Record<ServiceName, string[]>;
  for (const service of SERVICE_NAMES) {
    upstreams[service] = env[URL_VARIABLES[service]] ?? topology.services[service].instances;
  }
  return Object.freeze({ env, upstreams: Object.freeze(upstreams) });
}
