import type { Express } from 'express';
import { ServiceContext, createApp, internalRoutes } from '@boxoffice/shared';
import { eventsRoutes } from './api';
import { EventsDeps, createEventsDeps } from './domain';

/** The events service's HTTP app, built from its context. Never listens: see server.ts. */
export function createEventsApp(ctx: ServiceContext, deps: EventsDeps = createEventsDeps(ctx)): Express {
  return createApp({
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: ctx.readiness,
    instance: `${ctx.service}@${ctx.config.PORT}`,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    routes(app) {
      app.use(internalRoutes(ctx));
      app.use(eventsRoutes(deps, ctx.config.INTERNAL_KEYS));
    },
  });
}
