import { randomUUID } from 'node:crypto';

/**
 * Any UUID in its canonical text form: 32 hex digits as 8-4-4-4-12, either case, any version and
 * variant (what OpenAPI's `format: uuid` allows, and what Postgres's uuid type stores). Ids are
 * routed by their first two hex digits, so every such id has a bucket. Written without flags: the
 * document copies it into `pattern` as is.
 */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A random UUID v4: its first two hex digits, and so its bucket, are uniform. */
export function newId(): string {
  return randomUUID();
}

/** True for a lower- or upper-case canonical UUID of any version. Use it before routing an id from a URL. */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}
