import { eventsPaths } from './paths/events';
import { platformPaths } from './paths/platform';
import { ticketsPaths } from './paths/tickets';
import { usersPaths } from './paths/users';

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
  servers: [{ url: 'http://127.0.0.1:8080' }],
  paths: { ...platformPaths, ...usersPaths, ...eventsPaths, ...ticketsPaths },
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
