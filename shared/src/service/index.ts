export { createServiceContext, type ServiceContext, type ServiceConfig } from './service-context';
export { internalRoutes } from './internal-routes';
export { startService } from './start-service';
export { startMessaging, type ServiceMessaging } from './messaging';
export { createServiceApp } from './create-service-app';
