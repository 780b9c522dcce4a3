export {
  createServiceContext,
  type ServiceContext,
  type ServiceContextOptions,
  type ServiceConfig,
} from './service-context';

export { startService, type BackgroundJob, type ServiceDefinition } from './start-service';
export { type ServiceMessaging } from './messaging';
export { createServiceApp } from './create-service-app';
export { createServiceEntityCache, type ServiceEntityCacheOptions } from './service-entity-cache';
export * from './stats';
export * from './config';
