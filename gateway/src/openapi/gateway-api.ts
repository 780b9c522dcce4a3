import { z } from 'zod';
import {
  type ApiRoute,
  anyone,
  credentialsBody,
  errorResponse,
  jsonBody,
  jsonResponse,
  userView,
} from '@boxoffice/contracts';

/** The sessions the gateway mints and clears itself (docs/decisions/0005-signed-cookie-sessions-without-a-store.md). */
export const sessionsApi: ApiRoute[] = [
  {
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
      429: {
        ...errorResponse,
        description: 'rate_limited: too many failed sign-ins (Retry-After says when to retry)',
      },
    },
  },
  {
    method: 'delete',
    path: '/api/sessions',
    operationId: 'signOut',
    summary: 'Sign out',
    description:
      'Clears the `sid` cookie: 204, signed in or not. Like every `/api` path its body is read (and refused when too large or badly encoded), though it takes none.',
    tags: ['sessions'],
    security: anyone,
    responses: { 204: { description: 'Signed out; the cookie is cleared' } },
  },
];

/** The document and its page: the gateway answers them itself and reads no body for them. */
export const documentApi: ApiRoute[] = [
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description:
      'The OpenAPI 3.1 document of the whole API, generated from the zod schemas the services validate with.',
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
    description:
      'An HTML page that renders /api/openapi.json; its assets are served from the gateway, no CDN.',
    tags: ['platform'],
    security: anyone,
    responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
  },
  {
    method: 'get',
    path: '/api/docs/init.js',
    operationId: 'getApiDocsScript',
    summary: 'The script that starts Swagger UI on /api/docs',
    description:
      "A file rather than an inline script, so the page runs under a Content-Security-Policy that allows only this origin's scripts.",
    tags: ['platform'],
    security: anyone,
    responses: {
      200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } },
    },
  },
];
