import {
  type ApiRoute,
  eventsApi,
  generateOpenApiDocument,
  platformApi,
  ticketsApi,
  usersApi,
} from '@boxoffice/shared';
import { gatewayApi } from './gateway-api';
import { withGatewayErrors } from './gateway-errors';
import { adminApi } from '../admin/topology-openapi';

/** Every operation the gateway serves: its own, and the services' it proxies. */
export const documentedRoutes: readonly ApiRoute[] = [
  ...platformApi,
  ...gatewayApi,
  ...adminApi,
  ...[...usersApi, ...eventsApi, ...ticketsApi].map(withGatewayErrors),
];

/**
 * The public API contract (DESIGN §6) as one OpenAPI 3.1 document, generated from the zod schemas
 * the services validate with (docs/decisions/0007-openapi-from-zod.md). The integration tests
 * check every response they receive against it, so it cannot drift from what the services return.
 */
export const openApiDocument = generateOpenApiDocument(documentedRoutes, {
  info: {
    title: 'Boxoffice API',
    version: '0.1.0',
    license: { name: 'MIT', identifier: 'MIT' },
    description:
      'Users, events and tickets behind one gateway. Errors are `{"error": {"code", "message", "details"}}`.',
  },
  // Relative: "Try it out" calls the gateway that served the page, whatever its host and port.
  servers: [{ url: '/' }],
});
