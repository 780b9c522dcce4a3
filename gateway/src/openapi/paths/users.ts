/** OpenAPI paths served by the users service, and the sessions the gateway mints (DESIGN §6, §7). */

import { error, uuid } from './common';

const email = { type: 'string', format: 'email', maxLength: 254 } as const;
const displayName = { type: 'string', minLength: 1, maxLength: 80 } as const;
const newPassword = { type: 'string', minLength: 10, maxLength: 256, writeOnly: true } as const;

/** A user as that user sees it. */
const user = {
  type: 'object',
  required: ['id', 'email', 'displayName', 'createdAt'],
  additionalProperties: false,
  properties: {
    id: uuid,
    email: { ...email, description: 'Normalised: trimmed and lower-cased' },
    displayName,
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** What anyone may see of a user. */
const publicProfile = {
  type: 'object',
  required: ['id', 'displayName'],
  additionalProperties: false,
  properties: { id: uuid, displayName },
} as const;

function json(schema: unknown, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

function body(schema: unknown) {
  return { required: true, content: { 'application/json': { schema } } };
}

const signedIn = [{ session: [] }];

export const usersPaths = {
  '/api/users': {
    post: {
      summary: 'Sign up',
      description:
        'Creates a user. The address is trimmed and lower-cased; an address already registered in any letter case is `409 email_taken`.',
      tags: ['users'],
      requestBody: body({
        type: 'object',
        required: ['email', 'password', 'displayName'],
        additionalProperties: false,
        properties: { email, password: newPassword, displayName },
      }),
      responses: {
        '201': {
          ...json(user, 'The new user'),
          headers: { Location: { schema: { type: 'string' }, description: '/api/users/{id}' } },
        },
        '400': error,
        '409': error,
        '413': error,
        '503': error,
      },
    },
  },
  '/api/users/{id}': {
    get: {
      summary: "A user's public profile",
      tags: ['users'],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': json(publicProfile, 'The public profile'), '404': error, '503': error },
    },
  },
  '/api/sessions': {
    post: {
      summary: 'Sign in',
      description:
        'Checks the credentials and sets the `sid` cookie: an HMAC-signed payload {uid, iat, exp}, HttpOnly, SameSite=Lax. An unknown address and a wrong password get the same 401. Failed attempts are limited per client IP and per address (429 with Retry-After).',
      tags: ['sessions'],
      requestBody: body({
        type: 'object',
        required: ['email', 'password'],
        additionalProperties: false,
        properties: { email, password: { type: 'string', minLength: 1, maxLength: 256, writeOnly: true } },
      }),
      responses: {
        '200': {
          ...json(user, 'Signed in'),
          headers: {
            'Set-Cookie': { schema: { type: 'string' }, description: 'sid=…; HttpOnly; SameSite=Lax' },
          },
        },
        '400': error,
        '401': error,
        '413': error,
        '429': error,
        '503': error,
      },
    },
    delete: {
      summary: 'Sign out',
      description: 'Clears the `sid` cookie. Always 204, signed in or not.',
      tags: ['sessions'],
      responses: { '204': { description: 'Signed out; the cookie is cleared' } },
    },
  },
  '/api/me': {
    get: {
      summary: 'The signed-in user',
      tags: ['users'],
      security: signedIn,
      responses: { '200': json(user, 'The signed-in user'), '401': error, '503': error },
    },
    patch: {
      summary: 'Change the signed-in user',
      description:
        'Changes the display name, the address and/or the password. A new password needs `currentPassword` (403 when it is wrong). A new address already registered is `409 email_taken`.',
      tags: ['users'],
      security: signedIn,
      requestBody: body({
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: {
          displayName,
          email,
          password: newPassword,
          currentPassword: { type: 'string', minLength: 1, maxLength: 256, writeOnly: true },
        },
      }),
      responses: {
        '200': json(user, 'The changed user'),
        '400': error,
        '401': error,
        '403': error,
        '409': error,
        '413': error,
        '503': error,
      },
    },
  },
} as const;
