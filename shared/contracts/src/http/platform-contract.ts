import { z } from 'zod';
import type { ApiRoute } from './openapi-document';
import { anyone, errorResponse, jsonResponse } from './http-schemas';

/** What /healthz answers (`shared/platform/src/http/create-app.ts`). */
export const aliveView = z.object({ status: z.literal('alive') });

/** What /readyz answers when every check passed (`shared/platform/src/http/readiness.ts`). */
export const readyView = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) });

/** The probes every process serves (the gateway answers them for itself). */
export const platformApi: ApiRoute[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    summary: 'Liveness: the process is up',
    description:
      'Answers 200 while the process runs, whatever its dependencies do; a liveness probe restarts a process that stops answering.',
    tags: ['platform'],
    security: anyone,
    responses: { 200: jsonResponse(aliveView, 'alive') },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: every dependency answers',
    description:
      'Runs every dependency check (shards, Redis, the bus, or for the gateway one live instance of each service) and answers 200 only when all pass; 503 names the failing ones.',
    tags: ['platform'],
    security: anyone,
    responses: { 200: jsonResponse(readyView, 'ready'), 503: errorResponse },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of this process (text exposition format)',
    description:
      'The request histogram, cache, bus and pool metrics of the process that answers, for Prometheus to scrape.',
    tags: ['platform'],
    security: anyone,
    responses: {
      200: {
        description: 'Metrics',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
  },
];
