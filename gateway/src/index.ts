export { createGatewayApp, type GatewayDeps } from './app';
export { loadGatewayConfig, gatewayEnvSchema, type GatewayConfig } from './config';
export { Upstream } from './proxy';
export { documentedRoutes, openApiDocument, openApiRoutes } from './openapi';
export { createServiceUpstreams, serviceForPath } from './proxy';
