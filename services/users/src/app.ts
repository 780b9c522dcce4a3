import type { Express } from 'express';
import { ServiceContext, createServiceApp } from '@boxoffice/shared';
import { credentialsRoutes, usersRoutes } from './api';
import { createUsersDomain, dummyPasswordHash } from './domain';

/** The users service's HTTP app, built from its context. Never listens: see server.ts. */
export function createUsersApp(ctx: ServiceContext): Express {
  const domain = createUsersDomain(ctx);
  // Computed now so the first sign-in with an unknown address is not the one that pays for it.
  void dummyPasswordHash();
  return createServiceApp(ctx, (app) => {
    app.use(credentialsRoutes(domain));
    app.use(usersRoutes(domain, ctx.config.INTERNAL_KEYS));
  });
}
