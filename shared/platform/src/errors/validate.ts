import { z } from 'zod';
import { fromZodError } from './error-middleware';

/**
 * Parses untrusted input with a zod schema, or throws `validation_failed` naming each bad field
 * (`where` prefixes the paths: "body.email", "query.limit", "params.id").
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'headers' = 'body',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}
