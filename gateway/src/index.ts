export { createGatewayApp, type GatewayDeps } from './app';
export { loadGatewayConfig, gatewayEnvSchema, type GatewayConfig } from './config';
export { Upstream } from './proxy';
export { openApiDocument } from './openapi';
