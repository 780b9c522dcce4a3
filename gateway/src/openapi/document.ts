import { eventsPaths } from './paths/events';
import { platformPaths } from './paths/platform';
import { ticketsPaths } from './paths/tickets';
import { usersPaths } from './paths/users';

type Operations = Record<string, { responses?: Record<string, unknown> }>;

/**
 * The gateway can answer any proxied route itself when the owning service cannot: 502 (it failed
 * mid-answer), 503 (no instance reachable), 504 (no answer in time). Listed once here for every
 * /api operation instead of in each path file.
 */
function withGatewayErrors<P extends Record<string, unknown>>(paths: P): P {
  const error = { $ref: '#/components/responses/Error' };
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith('/api/') || path === '/api/openapi.json' || path === '/api/docs') continue;
    for (const operation of Object.values(operations as Operations)) {
      operation.responses = { '502': error, '503': error, '504': error, ...operation.responses };
    }
  }
  return paths;
}

/**
 * The public API contract (DESIGN §6) as one OpenAPI 3.1 document. The integration tests check
 * every response they receive against it, so it cannot drift from what the services return.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Boxoffice API',
    version: '0.1.0',
    description:
      'Users, events and tickets behind one gateway. Errors are `{"error": {"code", "message", "details"}}`.',
  },
  // Relative: "Try it out" calls the gateway that served the page, whatever its host and port.
  servers: [{ url: '/' }],
  paths: withGatewayErrors({ ...platformPaths, ...usersPaths, ...eventsPaths, ...ticketsPaths }),
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        additionalProperties: false,
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            additionalProperties: false,
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'An error, with a stable code',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
    securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sid' } },
  },
} as const;
