/**
 * @boxoffice/gateway — its public entry, for tests and scripts (nothing imports deeper;
 * `scripts/check-boundaries.ts` checks). server.ts runs the gateway.
 */
export { createGatewayApp, type GatewayApp, type GatewayDeps } from './app';
export { loadGatewayConfig, gatewayEnvSchema, type GatewayConfig } from './config';
export {
  Upstream,
  DnsDiscovery,
  createServiceUpstreams,
  discoverInstances,
  instanceUrl,
  serviceForPath,
  type ResolveHost,
  type ServiceUpstreams,
} from './proxy';
export { documentedRoutes, openApiDocument, openApiRoutes } from './openapi';
export {
  SESSION_COOKIE,
  cookieValues,
  decodeSession,
  encodeSession,
  newSession,
  sessionFromCookieHeader,
  VerifiedSessions,
  type SessionPayload,
  POSITIONS_TTL_SECONDS,
  decodePositions,
  encodePositions,
  positionsFromCookieHeader,
} from './sessions';
export {
  ADMIN_COOKIE,
  ADMIN_KEY_HEADER,
  adminCookieValue,
  busView,
  p99Between,
  ratePerSecond,
  reshardView,
  topologySchema,
  type TopologyView,
} from './admin';
