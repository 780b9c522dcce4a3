import type { Express } from 'express';
import { ServiceContext, createApp, internalRoutes } from '@boxoffice/shared';
import { credentialsRoutes, usersRoutes } from './api';
import { createUsersDomain, dummyPasswordHash } from './domain';

/** The users service's HTTP app, built from its context. Never listens: see server.ts. */
export function createUsersApp(ctx: ServiceContext): Express {
  const domain = createUsersDomain(ctx);
  // Computed now so the first sign-in with an unknown address is not the one that pays for it.
  void dummyPasswordHash();
  return createApp({
    logger: ctx.logger,
    metrics: ctx.metrics,
    readiness: ctx.readiness,
    instance: `${ctx.service}@${ctx.config.PORT}`,
    bodyLimitBytes: ctx.config.BODY_LIMIT_BYTES,
    routes(app) {
      app.use(internalRoutes(ctx));
      app.use(credentialsRoutes(domain));
      app.use(usersRoutes(domain, ctx.config.INTERNAL_KEYS));
    },
  });
}
