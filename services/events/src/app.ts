import type { Express } from 'express';
import { ServiceContext, createServiceApp } from '@boxoffice/shared';
import { eventImageRoutes, eventsRoutes } from './api';
import type { EventsDeps } from './domain';

/** The events service's HTTP app, built from its context and its deps. Never listens: see server.ts. */
export function createEventsApp(ctx: ServiceContext, deps: EventsDeps): Express {
  return createServiceApp(ctx, (app) => {
    app.use(eventsRoutes(deps, ctx.config.INTERNAL_KEYS));
    app.use(eventImageRoutes(deps, ctx.config.INTERNAL_KEYS));
  });
}
