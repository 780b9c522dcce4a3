import {
  type ApiRoute,
  eventsApi,
  generateOpenApiDocument,
  platformApi,
  ticketsApi,
  usersApi,
} from '@boxoffice/contracts';
import { documentApi, sessionsApi } from './gateway-api';
import { type OperationHandling, withPlatformAnswers } from './platform-answers';
import { adminApi } from '../admin/topology-openapi';

const answered = (handling: OperationHandling) => (route: ApiRoute) => withPlatformAnswers(route, handling);

/**
 * Every operation the gateway serves, its own and the services' it proxies, each with the
 * platform's answers for how the gateway handles it (gateway/src/app.ts): the probes, the document
 * and the topology page read no body; every other `/api` path does; sign-in and the services'
 * operations are forwarded.
 */
export const documentedRoutes: readonly ApiRoute[] = [
  ...[...platformApi, ...documentApi, ...adminApi].map(answered({ readsBody: false, forwarded: false })),
  ...sessionsApi.map((route) =>
    withPlatformAnswers(route, { readsBody: true, forwarded: route.method === 'post' }),
  ),
  ...[...usersApi, ...eventsApi, ...ticketsApi].map(answered({ readsBody: true, forwarded: true })),
];

/** What each tag groups, in the order a reader meets them. */
const TAGS = [
  { name: 'users', description: 'Sign-up, profiles and the signed-in user (the users service)' },
  { name: 'sessions', description: 'Signing in and out: the gateway mints and clears the `sid` cookie' },
  { name: 'events', description: 'Events, their seats and images (the events service)' },
  { name: 'tickets', description: 'Orders and tickets: the purchase saga (the tickets service)' },
  {
    name: 'platform',
    description: 'Probes, metrics and this document, served by every process or the gateway',
  },
  { name: 'admin', description: 'The live topology page and its JSON' },
];

/**
 * The public API contract as one OpenAPI 3.1 document, generated from the zod schemas
 * the services validate with (docs/decisions/0007-openapi-from-zod.md). The integration tests
 * check every response they receive against it, so it cannot drift from what the services return.
 */
export const openApiDocument = generateOpenApiDocument(documentedRoutes, {
  info: {
    title: 'Boxoffice API',
    version: '0.1.0',
    license: { name: 'MIT', identifier: 'MIT' },
    contact: { name: 'Boxoffice maintainers' },
    description:
      'Users, events and tickets behind one gateway. Errors are `{"error": {"code", "message", "details"}}`.',
  },
  // Relative: "Try it out" calls the gateway that served the page, whatever its host and port.
  servers: [{ url: '/' }],
  tags: TAGS,
});
