export {
  createServiceContext,
  type ServiceContext,
  type ServiceContextOptions,
  type ServiceConfig,
} from './service-context';
export { internalRoutes } from './internal-routes';
export { startService, type ServiceDefinition } from './start-service';
export { startMessaging, type ServiceMessaging } from './messaging';
export { createServiceApp } from './create-service-app';
export { createServiceEntityCache, type ServiceEntityCacheOptions } from './service-entity-cache';
export * from './stats';
export * from './config';
