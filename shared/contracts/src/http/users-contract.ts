import { z } from 'zod';
import type { ApiRoute } from './openapi-document';
import {
  anyone,
  errorResponse,
  idPathParams,
  instantJson,
  jsonBody,
  jsonResponse,
  signedIn,
  uuid,
} from './http-schemas';

/** Longest address SMTP allows (RFC 5321: 254 in a path). Checked after trimming. */
const EMAIL_MAX = 254;
/** Passwords are hashed, so length costs us little; the cap only stops absurd bodies. */
const PASSWORD_MAX = 256;

/** An address as the API returns it: normalised, at most 254 characters. */
const emailJson = z.email().max(EMAIL_MAX);

/**
 * Trimmed and lower-cased before the format check, so " Ada@Example.COM " is ada@example.com.
 * The generator documents a pipe by its input side (a string of up to 318); the meta says what
 * the address must be once trimmed.
 */
const email = z
  .string()
  .max(EMAIL_MAX + 64, `at most ${EMAIL_MAX} characters`)
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address').max(EMAIL_MAX, `at most ${EMAIL_MAX} characters`))
  .meta({ format: 'email', maxLength: EMAIL_MAX, description: 'Trimmed and lower-cased first' });

const newPassword = z
  .string()
  .min(10, 'at least 10 characters')
  .max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`)
  .meta({ writeOnly: true });

/** Any password a user might type at sign-in; a too-short one simply does not match. */
const givenPassword = z
  .string()
  .min(1, 'required')
  .max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`)
  .meta({ writeOnly: true });

/**
 * C0 and C1 controls (Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F), written
 * without the `u` flag: the generator copies `regex.toString()` into `pattern` and would keep "/u".
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f-\x9f]*$/;

const displayName = z
  .string()
  .trim()
  .min(1, 'at least 1 character')
  .max(80, 'at most 80 characters')
  .regex(NO_CONTROL_CHARACTERS, 'no control characters');

/** POST /api/users. Strict: an unknown field is a 400. */
export const signUpBody = z.strictObject({ email, password: newPassword, displayName });

/** POST /api/sessions (the gateway) and POST /internal/sessions (users). */
export const credentialsBody = z.strictObject({ email, password: givenPassword });

/** PATCH /api/me. */
export const updateMeBody = z
  .strictObject({
    displayName: displayName.optional(),
    email: email.optional(),
    password: newPassword.optional(),
    currentPassword: givenPassword.optional(),
  })
  .refine((b) => b.displayName !== undefined || b.email !== undefined || b.password !== undefined, {
    message: 'give at least one of displayName, email, password',
  })
  .refine((b) => b.password === undefined || b.currentPassword !== undefined, {
    message: 'required to change the password',
    path: ['currentPassword'],
  })
  .refine((b) => b.currentPassword === undefined || b.password !== undefined, {
    message: 'only allowed together with password',
    path: ['currentPassword'],
  })
  .meta({ minProperties: 1 });

/** A user as that user sees it. */
export const userView = z.strictObject({
  id: uuid,
  email: emailJson.meta({ description: 'Normalised: trimmed and lower-cased' }),
  displayName: z.string().min(1).max(80),
  createdAt: instantJson,
});
export type UserView = z.input<typeof userView>;

/** What anyone may see of a user. */
export const publicProfileView = z.strictObject({ id: uuid, displayName: z.string().min(1).max(80) });
export type PublicProfileView = z.input<typeof publicProfileView>;

/** The users service's public routes (the gateway proxies /api/users and /api/me to it). */
export const usersApi: ApiRoute[] = [
  {
    method: 'post',
    path: '/api/users',
    operationId: 'signUp',
    summary: 'Sign up',
    description:
      'Creates a user. The address is trimmed and lower-cased; an address already registered in any letter case is `409 email_taken`.',
    tags: ['users'],
    security: anyone,
    request: { body: jsonBody(signUpBody) },
    responses: {
      201: {
        ...jsonResponse(userView, 'The new user'),
        headers: { Location: { schema: { type: 'string' }, description: '/api/users/{id}' } },
      },
      400: errorResponse,
      409: errorResponse,
      413: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/users/{id}',
    operationId: 'getPublicProfile',
    summary: "A user's public profile",
    description: 'The id and display name of any user, to anyone; an unknown or malformed id is a 404.',
    tags: ['users'],
    security: anyone,
    request: { params: idPathParams('User') },
    responses: {
      200: jsonResponse(publicProfileView, 'The public profile'),
      404: errorResponse,
      503: errorResponse,
    },
  },
  {
    method: 'get',
    path: '/api/me',
    operationId: 'getMe',
    summary: 'The signed-in user',
    description: 'The user the `sid` cookie names, with the address; 401 without a valid session.',
    tags: ['users'],
    security: signedIn,
    responses: { 200: jsonResponse(userView, 'The signed-in user'), 401: errorResponse, 503: errorResponse },
  },
  {
    method: 'patch',
    path: '/api/me',
    operationId: 'updateMe',
    summary: 'Change the signed-in user',
    description:
      'Changes the display name, the address and/or the password. A new password needs `currentPassword` (403 when it is wrong). A new address already registered is `409 email_taken`.',
    tags: ['users'],
    security: signedIn,
    request: { body: jsonBody(updateMeBody) },
    responses: {
      200: jsonResponse(userView, 'The changed user'),
      400: errorResponse,
      401: errorResponse,
      403: errorResponse,
      409: errorResponse,
      413: errorResponse,
      503: errorResponse,
    },
  },
];
