import type { Express } from 'express';
import { internalAuthOf } from '@boxoffice/platform';
import { ServiceContext, createServiceApp } from '@boxoffice/runtime';
import { credentialsRoutes, usersRoutes } from './api';
import type { UsersDeps } from './domain';

/** The users service's HTTP app, built from its context and its deps. Never listens: see server.ts. */
export function createUsersApp(ctx: ServiceContext, deps: UsersDeps): Express {
  return createServiceApp(ctx, (app) => {
    app.use(credentialsRoutes(deps));
    app.use(usersRoutes(deps, internalAuthOf(ctx.config)));
  });
}
