import { z } from 'zod';
import { type ApiRoute, anyone, errorResponse, jsonResponse } from '@boxoffice/contracts';
import { topologySchema } from './topology-schema';
import { traceListSchema, traceViewSchema } from './traces-schema';

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
  {
    method: 'get',
    path: '/admin/api/traces',
    operationId: 'traces',
    summary: 'The latest purchases and the slowest requests among the sampled traces the gateway holds',
    description:
      "From the gateway's bounded buffer of recent spans (traces start there). The same access rules as " +
      '/admin/api/topology. `enabled` is false when the gateway runs with OTEL_SDK_DISABLED=true. See docs/tracing.md.',
    tags: ['admin'],
    security: anyone,
    responses: {
      200: jsonResponse(traceListSchema, 'Trace summaries, newest and slowest first'),
      401: errorResponse,
      403: errorResponse,
      404: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/admin/api/traces/{traceId}',
    operationId: 'trace',
    summary: 'Every span of one trace still held by the gateway or any service instance, in start order',
    description:
      'The same access rules as /admin/api/topology. Instances that did not answer are listed in `unreachable`.',
    tags: ['admin'],
    security: anyone,
    request: { params: z.object({ traceId: z.string().meta({ description: '32 lower-case hex digits' }) }) },
    responses: {
      200: jsonResponse(traceViewSchema, 'The trace'),
      400: errorResponse,
      401: errorResponse,
      403: errorResponse,
      404: errorResponse,
    },
  },
];
