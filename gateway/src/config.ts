import { isIP } from 'node:net';
import { z } from 'zod';
import { commaList, loadConfig, portNumber } from '@boxoffice/platform';
import {
  DEFAULT_PORTS,
  SERVICE_NAMES,
  ServiceName,
  Topology,
  loadTopology,
  platformEnvSchema,
} from '@boxoffice/runtime';

const urlList = commaList.pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

/** The development session key: fine on a laptop, refused when NODE_ENV=production. */
const DEV_SESSION_KEY = 'dev-session-key-change-me-000000000000';

const positiveInt = z.coerce.number().int().min(1);

/** Names Express's `trust proxy` understands for whole address ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/**
 * TRUST_PROXY: `none` (the default) | a number of proxy hops | a comma list of addresses, CIDR
 * ranges or `loopback`/`linklocal`/`uniquelocal`. Becomes Express's `trust proxy` value.
 */
const trustProxySetting = z
  .string()
  .trim()
  .default('none')
  .transform((text, ctx): false | number | string[] => {
    if (text === '' || text === 'none') return false;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text.split(',').map((part) => part.trim());
    const bad = entries.filter((entry) => !isAddressOrRange(entry));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not an address, CIDR range, hop count, none, loopback, linklocal or uniquelocal: ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** The gateway's environment: the platform's, plus where each service's instances are. */
export const gatewayEnvSchema = platformEnvSchema
  .extend({
    PORT: portNumber.default(DEFAULT_PORTS.gateway),
    /** Instance base URLs per service, comma-separated; they override the topology file. */
    USERS_URLS: urlList.optional(),
    EVENTS_URLS: urlList.optional(),
    TICKETS_URLS: urlList.optional(),
    /**
     * How the instance URLs become instances. `static` (the default, `npm start`): each URL is one
     * instance. `dns`: each URL's host name is resolved to all its addresses, one instance each,
     * and resolved again every UPSTREAM_RESOLVE_INTERVAL_MS — docker compose gives a service one
     * address per container, so `--scale events=3` reaches the gateway without a restart.
     */
    UPSTREAM_DISCOVERY: z.enum(['static', 'dns']).default('static'),
    /**
     * How often `dns` discovery resolves the names again. 5 s: a new container is used within about
     * as long as it takes to start, for three lookups per interval; a removed one is skipped after
     * its first failed connect (refused, or the 1 s connect timeout) long before that.
     */
    UPSTREAM_RESOLVE_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
    /**
     * How long the gateway waits for an upstream's response headers. 15 s: above the purchase
     * endpoint's longest allowed wait (`Prefer: wait=10`) plus its own work.
     */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /**
     * Keys for the `sid` cookie's HMAC-SHA256, comma-separated, at least 32 characters each. The
     * first signs, all verify: rotate by putting the new key first and dropping the old one a
     * session lifetime later.
     */
    SESSION_KEYS: commaList
      .pipe(z.array(z.string().min(32, 'each key needs at least 32 characters')).min(1))
      .default([DEV_SESSION_KEY]),
    /** How long a session lasts, in seconds (inside the signed payload and as Max-Age). Default 7 days. */
    SESSION_TTL_SECONDS: positiveInt
      .min(60)
      .max(366 * 24 * 3600)
      .default(7 * 24 * 3600),
    /** Adds `Secure` to the cookie. Turn it on wherever clients reach the gateway over HTTPS. */
    SESSION_COOKIE_SECURE: z.stringbool().default(false),
    /**
     * Which peers may set `X-Forwarded-For` (the client address the sign-in limits count by). The
     * default `none` trusts nobody: the gateway is the public edge and the TCP peer is the client, so
     * a client cannot pick its own rate-limit key. Behind a load balancer, list its addresses
     * (`10.0.0.5,10.0.0.6`, CIDR ranges, `loopback`) or give the number of proxy hops.
     */
    TRUST_PROXY: trustProxySetting,
    /**
     * The key of the topology page (`/admin`, docs/topology-page.md). Unset: the page answers only
     * on localhost, and is off when NODE_ENV=production. Set: required everywhere (header
     * `x-admin-key`, or `?key=` once, which sets a cookie). At least 16 characters.
     */
    ADMIN_KEY: z.string().min(16, 'needs at least 16 characters').optional(),
  })
  .check((ctx) => {
    // Checked in the schema, so a production start-up lists this beside the platform's own refusals.
    if (ctx.value.NODE_ENV === 'production' && ctx.value.SESSION_KEYS.includes(DEV_SESSION_KEY)) {
      ctx.issues.push({
        code: 'custom',
        path: ['SESSION_KEYS'],
        message: 'set your own keys in production',
        input: ctx.value.SESSION_KEYS,
      });
    }
  });

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export interface GatewayConfig {
  env: GatewayEnv;
  upstreams: Record<ServiceName, string[]>;
  /** The shard maps, cache and bus of every service: the topology page's outline when a service is down. */
  topology: Topology;
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
  return Object.freeze({ env, upstreams: Object.freeze(upstreams), topology });
}
