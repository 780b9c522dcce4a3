import type { Express } from 'express';
import { ServiceContext, createApp, internalRoutes } from '@boxoffice/shared';
import { ticketsRoutes } from './api';
import type { TicketsDeps } from './domain';

/** The tickets service's HTTP app, built from its context and use-case deps. Never listens: see server.ts. */
export function createTicketsApp(ctx: ServiceContext, deps: TicketsDeps): Express {
  return createApp({
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: ctx.readiness,
    instance: `${ctx.service}@${ctx.config.PORT}`,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    routes(app) {
      app.use(internalRoutes(ctx));
      app.use(ticketsRoutes(deps, ctx.config.INTERNAL_KEYS));
    },
  });
}
