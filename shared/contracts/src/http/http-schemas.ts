import { z } from 'zod';
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, UUID_PATTERN } from '@boxoffice/platform';

/**
 * The pieces every HTTP contract file uses, defined once. Schema-level `.meta()` is zod 4's own
 * metadata; the OpenAPI generator reads it (description, example, and overrides where the wire
 * form differs from the parsed one, e.g. a query-string integer).
 */

const errorCodes = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

/**
 * The one error shape: what `AppError.toBody()` writes (`satisfies` keeps them together). `code`
 * is one of the catalogue's, so the document lists every code a client may match on.
 */
export const errorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(errorCodes).meta({ description: 'Stable: clients match on it' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' }) satisfies z.ZodType<ErrorBody>;

/** Any error response: `$ref` to the one `components.responses.Error` the document defines. */
export const errorResponse = { $ref: '#/components/responses/Error' } as const;

/**
 * An id: any UUID (8-4-4-4-12 hex digits, either case, any version). The services write v4 ids in
 * lower case, but read any UUID a client sends, as `format: uuid` promises; the pattern says
 * exactly which text that is (validators differ: ajv-formats also takes a `urn:uuid:` prefix).
 * zod's own `z.uuid()` refuses versions other than 1–8 and the RFC variant bits.
 */
export const uuid = z.string().regex(UUID_PATTERN, 'must be a UUID').meta({ format: 'uuid' });

/** An instant as every response writes it: ISO 8601 in UTC (`toISOString()`). */
export const instantJson = z.iso.datetime();

/** A JSON response with `schema`. */
export function jsonResponse(schema: z.ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export function jsonBody(schema: z.ZodType) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** The operation needs the `sid` session cookie (the `session` security scheme). */
export const signedIn = [{ session: [] }];

/** Anyone may call the operation. Said explicitly on each one (the linter refuses a missing `security`). */
export const anyone = [];

/**
 * `{id}` in a path: a UUID, like every id. A path that does not match names nothing, so the
 * services answer it with the same 404 as an unknown id, never a 400 (`idParam`).
 */
export function idPathParams(what: string) {
  return z.object({
    id: uuid.meta({ description: `${what} id (UUID). A malformed id is a 404, like an unknown one.` }),
  });
}

/** `?limit` documented as the integer it means; the wire form is a query string. */
export function limitQueryMeta(max: number, fallback: number) {
  return { type: 'integer', minimum: 1, maximum: max, default: fallback } as const;
}
