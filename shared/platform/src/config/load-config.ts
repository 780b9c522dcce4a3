import { z } from 'zod';

/** A configuration value is missing or malformed; the message names each variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Freezes an object graph so configuration cannot be changed after start-up. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Formats zod issues as one line per offending path, prefixed by where the value came from. */
export function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      return `  ${source}${source ? ' ' : ''}${path}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Parses a process's environment with its schema, once, and returns it frozen.
 * Throws ConfigError naming every bad variable; the caller decides to exit.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration:\n${describeIssues(result.error, '')}`);
  }
  return deepFreeze(result.data);
}

/** "a, b,,c" → ["a", "b", "c"]: list-valued environment variables. */
export const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

/** A TCP port given as text. */
export const portNumber = z.coerce.number().int().min(0).max(65535);
