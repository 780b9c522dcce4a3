import { hostname } from 'node:os';
import type { Express } from 'express';
import { shardPositions } from '@boxoffice/sharding';
import { internalAuthOf, requireInternalCaller, createApp } from '@boxoffice/platform';
import { internalRoutes } from './internal-routes';
import { statsRoutes } from './stats';
import { tracesRoutes } from './traces-routes';
import type { ServiceContext } from './service-context';

/**
 * The app shell every service shares: the platform app (request ids, logs, metrics, probes,
 * errors) named `<service>@<host>:<port>` (compose replicas share a port, not a host name), its
 * `/internal/ping`, then the service's own routes. Every other `/internal/*` route answers only a
 * call carrying the gateway's signed caller header (401 otherwise): reaching a service port is
 * not enough to check passwords or read the instance's figures. `/internal/ping` stays open: it
 * tells which shards an instance owns and whether they answer, what /readyz already tells, and
 * load scripts and tests find services with it.
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
      app.use('/internal', requireInternalCaller(internalAuthOf(ctx.config)));
      app.use(shardPositions(ctx.dbs));
      app.use(statsRoutes(ctx));
      app.use(tracesRoutes());
      routes(app);
    },
  });
}
