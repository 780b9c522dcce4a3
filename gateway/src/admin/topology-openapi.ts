import { z } from 'zod';
import { type ApiRoute, anyone, errorResponse, jsonResponse } from '@boxoffice/contracts';
import { topologySchema } from './topology-schema';

/** The topology page's JSON in the OpenAPI document, from the zod schema it is built on. */
export const adminApi: ApiRoute[] = [
  {
    method: 'get',
    path: '/admin',
    operationId: 'topologyPage',
    summary: 'The live topology page (HTML; its script polls /admin/api/topology)',
    description:
      'The same access rules as /admin/api/topology; `?key=…` answers 303 to /admin with a cookie.',
    tags: ['admin'],
    security: anyone,
    responses: {
      200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
      303: { description: 'The key in the query was right: a cookie is set and the page is /admin' },
      401: errorResponse,
      403: errorResponse,
      404: errorResponse,
      503: { ...errorResponse, description: 'The page is not built (npm run build:admin)' },
    },
  },
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
