import type { Express } from 'express';
import { internalAuthOf } from '@boxoffice/platform';
import { ServiceContext, createServiceApp } from '@boxoffice/runtime';
import { eventImageRoutes, eventsRoutes } from './api';
import type { EventsDeps } from './domain';

/** The events service's HTTP app, built from its context and its deps. Never listens: see server.ts. */
export function createEventsApp(ctx: ServiceContext, deps: EventsDeps): Express {
  return createServiceApp(ctx, (app) => {
    const auth = internalAuthOf(ctx.config);
    app.use(eventsRoutes(deps, auth));
    app.use(eventImageRoutes(deps, auth));
  });
}
