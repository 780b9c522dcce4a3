import { type ApiRoute, anyone, errorResponse, jsonResponse } from '@boxoffice/shared';
import { topologySchema } from './topology-schema';

/** The topology page's JSON in the OpenAPI document, from the zod schema it is built on. */
export const adminApi: ApiRoute[] = [
  {
    method: 'get',
    path: '/admin/api/topology',
    operationId: 'topology',
    summary: 'The live topology: instances, shards, caches and the bus, with rates over about a second',
    description:
      'Answers on localhost without a key; with ADMIN_KEY configured, send it in the `x-admin-key` header ' +
      '(or open `/admin?key=…` once for a cookie). Off (404) when NODE_ENV=production and no ADMIN_KEY ' +
      'is set. Every instance is polled at most once a second however many clients ask. See docs/topology-page.md.',
    tags: ['admin'],
    security: anyone,
    responses: {
      200: jsonResponse(topologySchema, 'The topology as the page draws it'),
      401: errorResponse,
      403: errorResponse,
      404: errorResponse,
    },
  },
];
