import type { Express } from 'express';
import { internalAuthOf } from '@boxoffice/platform';
import { ServiceContext, createServiceApp } from '@boxoffice/runtime';
import { ticketsRoutes } from './api';
import type { TicketsDeps } from './domain';

/** The tickets service's HTTP app, built from its context and its deps. Never listens: see server.ts. */
export function createTicketsApp(ctx: ServiceContext, deps: TicketsDeps): Express {
  return createServiceApp(ctx, (app) => {
    app.use(ticketsRoutes(deps, internalAuthOf(ctx.config)));
  });
}
