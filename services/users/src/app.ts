import type { Express } from 'express';
import { ServiceContext, createApp, internalRoutes } from '@boxoffice/shared';

/** The users service's HTTP app, built from its context. Never listens: see server.ts. */
export function createUsersApp(ctx: ServiceContext): Express {
  return createApp({
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: ctx.readiness,
    instance: `${ctx.service}@${ctx.config.PORT}`,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    routes(app) {
      app.use(internalRoutes(ctx));
    },
  });
}
