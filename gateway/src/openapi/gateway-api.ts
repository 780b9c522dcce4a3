import { z } from 'zod';
import {
  type ApiRoute,
  anyone,
  credentialsBody,
  errorResponse,
  jsonBody,
  jsonResponse,
  userView,
} from '@boxoffice/shared';
import { withGatewayErrors } from './gateway-errors';

/** The routes the gateway answers itself: sessions (DESIGN §7) and this document. */
export const gatewayApi: ApiRoute[] = [
  withGatewayErrors({
    method: 'post',
    path: '/api/sessions',
    operationId: 'signIn',
    summary: 'Sign in',
    description:
      'Checks the credentials and sets the `sid` cookie: an HMAC-signed payload {uid, iat, exp}, HttpOnly, SameSite=Lax. An unknown address and a wrong password get the same 401. Failed attempts are limited per client IP and per address (429 with Retry-After).',
    tags: ['sessions'],
    security: anyone,
    // The users service validates the body with this schema (POST /internal/sessions).
    request: { body: jsonBody(credentialsBody) },
    responses: {
      200: {
        ...jsonResponse(userView, 'Signed in'),
        headers: {
          'Set-Cookie': { schema: { type: 'string' }, description: 'sid=…; HttpOnly; SameSite=Lax' },
        },
      },
      400: errorResponse,
      401: errorResponse,
      413: errorResponse,
      429: errorResponse,
      503: errorResponse,
    },
  }),
  {
    method: 'delete',
    path: '/api/sessions',
    operationId: 'signOut',
    summary: 'Sign out',
    description: 'Clears the `sid` cookie. Always 204, signed in or not.',
    tags: ['sessions'],
    security: anyone,
    responses: { 204: { description: 'Signed out; the cookie is cleared' } },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['platform'],
    security: anyone,
    // Described, not schema'd: the OpenAPI 3.1 meta-schema is the schema of this answer.
    responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document') },
  },
  {
    method: 'get',
    path: '/api/docs',
    operationId: 'getApiDocs',
    summary: 'Swagger UI for this document',
    tags: ['platform'],
    security: anyone,
    responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
  },
  {
    method: 'get',
    path: '/api/docs/init.js',
    operationId: 'getApiDocsScript',
    summary: 'The script that starts Swagger UI on /api/docs (a file, so the page needs no inline script)',
    tags: ['platform'],
    security: anyone,
    responses: {
      200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } },
    },
  },
];
