import type { Express } from 'express';
import { createLogger, createMetricsRegistry, loadConfig } from '@boxoffice/platform';
import { PURCHASE_TOPIC_OPTIONS } from '@boxoffice/contracts';
import { ServiceContext, ServiceName, createServiceContext, serviceEnvSchema } from '@boxoffice/runtime';
import {
  createGatewayApp,
  createServiceUpstreams,
  documentedRoutes,
  loadGatewayConfig,
  openApiDocument,
  serviceForPath,
} from '../../gateway/src';
import { buildEventsDeps, createEventsApp } from '../../services/events/src';
import { buildTicketsDeps, createTicketsApp } from '../../services/tickets/src';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import { TestEnv, createTestEnv } from '../support';
import { ListedRoute, listRoutes } from '../support/express-routes';

const key = (route: ListedRoute) => `${route.method.toUpperCase()} ${route.path}`;
const sorted = (routes: ListedRoute[]) => [...new Set(routes.map(key))].sort();

/** What every process serves for itself; the document lists the gateway's. */
const PLATFORM_PATHS = ['/healthz', '/readyz', '/metrics'];

/** The document's operations, read from the served JSON (not from the route lists it came from). */
function documentedOperations(): string[] {
  return Object.entries(openApiDocument.paths)
    .flatMap(([path, operations]) =>
      Object.keys(operations as object)
        .filter((method) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

/**
 * The contract test of docs/decisions/0007-openapi-from-zod.md: the routes the real apps register
 * and the operations of the OpenAPI document are the same set. A route added to a service
 * without its entry in the service's contract list (or the other way round) fails here.
 */
describe('the OpenAPI document and the routes the processes serve', () => {
  let env: TestEnv;
  const contexts: ServiceContext[] = [];
  let gatewayRoutes: ListedRoute[];
  let serviceRoutes: Record<ServiceName, ListedRoute[]>;

  /** The service's real app from its real context and deps (with the bus, like server.ts). */
  function routesOf<D>(
    service: ServiceName,
    buildDeps: (ctx: ServiceContext) => D,
    createApp: (ctx: ServiceContext, deps: D) => Express,
  ): ListedRoute[] {
    const config = loadConfig(serviceEnvSchema(0), env.env);
    const ctx = createServiceContext(service, config, {
      logger: createLogger({ service, level: 'silent' }),
      topics: PURCHASE_TOPIC_OPTIONS,
    });
    contexts.push(ctx);
    return listRoutes(createApp(ctx, buildDeps(ctx)));
  }

  beforeAll(async () => {
    // Only routes are read: no request reaches a database, so none is created.
    env = await createTestEnv({ migrate: false });
    serviceRoutes = {
      users: routesOf('users', buildUsersDeps, createUsersApp),
      events: routesOf('events', buildEventsDeps, createEventsApp),
      tickets: routesOf('tickets', buildTicketsDeps, createTicketsApp),
    };
    const config = loadGatewayConfig(env.env);
    const gateway = createGatewayApp({
      config,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      metrics: createMetricsRegistry('gateway'),
      upstreams: createServiceUpstreams(config).upstreams,
    });
    gatewayRoutes = listRoutes(gateway.app);
  });

  afterAll(async () => {
    for (const ctx of contexts) for (const step of ctx.shutdownSteps) await step.close();
    await env?.cleanup();
  });

  test('when the routes of the gateway and of every service are listed, then they are exactly the documented operations', () => {
    const publicRoutes = [
      ...gatewayRoutes,
      ...Object.values(serviceRoutes)
        .flat()
        .filter((route) => route.path.startsWith('/api/')),
    ];
    expect(sorted(publicRoutes)).toEqual(documentedOperations());
  });

  test.each(['users', 'events', 'tickets'] as const)(
    'when %s serves a route under /api, then the gateway forwards that path to it',
    (service) => {
      const misrouted = serviceRoutes[service]
        .filter((route) => route.path.startsWith('/api/'))
        .filter((route) => serviceForPath(route.path.replace(/\{[^}]+\}/g, 'x')) !== service);
      expect(misrouted).toEqual([]);
    },
  );

  test.each(['users', 'events', 'tickets'] as const)(
    'when %s serves a route outside /api, then it is a platform probe or /internal (never public)',
    (service) => {
      const stray = serviceRoutes[service].filter(
        (route) =>
          !route.path.startsWith('/api/') &&
          !route.path.startsWith('/internal/') &&
          !PLATFORM_PATHS.includes(route.path),
      );
      expect(stray).toEqual([]);
    },
  );

  test('when the document is generated, then it has one operation per route list entry', () => {
    expect(documentedOperations()).toEqual(
      sorted(documentedRoutes.map((r) => ({ method: r.method, path: r.path }))),
    );
  });
});
