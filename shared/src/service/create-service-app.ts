import { hostname } from 'node:os';
import type { Express } from 'express';
import { shardPositions } from '../db/replica-http';
import { createApp } from '../http/create-app';
import { internalRoutes } from './internal-routes';
import { statsRoutes } from './stats';
import type { ServiceContext } from './service-context';

/**
 * The app shell every service shares: the platform app (request ids, logs, metrics, probes,
 * errors) named `<service>@<host>:<port>` (compose replicas share a port, not a host name), its
 * `/internal/ping`, then the service's own routes.
 */
export function createServiceApp(ctx: ServiceContext, routes: (app: Express) => void): Express {
  return createApp({
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: ctx.readiness,
    instance: `${ctx.service}@${hostname()}:${ctx.config.PORT}`,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    routes(app) {
      app.use(internalRoutes(ctx));
      app.use(shardPositions(ctx.dbs));
      app.use(statsRoutes(ctx));
      routes(app);
    },
  });
}
