import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID v4 that lands in the same bucket as `ownerId`: the owner's first two hex digits,
 * then 118 random bits (the version and variant bits stay intact). Orders and tickets use it
 * so "my tickets" is a one-shard query and a ticket id alone routes to its shard.
 */
export function newColocatedId(ownerId: string): string {
  const prefix = ownerId.slice(0, 2).toLowerCase();
  if (!/^[0-9a-f]{2}$/.test(prefix)) throw new Error(`owner id "${ownerId}" has no bucket`);
  return prefix + randomUUID().slice(2);
}

/**
 * newColocatedId in SQL, for ids a statement makes itself (the settlement's tickets): the owner
 * column's first two hex digits over `gen_random_uuid()` (v4, Postgres 13+). `ownerColumn` is a
 * column reference written by the caller, never input.
 */
export function colocatedIdSql(ownerColumn: string): string {
  return `overlay(gen_random_uuid()::text placing left(${ownerColumn}::text, 2) from 1 for 2)::uuid`;
}

/** Trims and lower-cases an address: "  Ada@Example.COM " and "ada@example.com" are one user. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The email index's shard key: SHA-256 of the normalised address, as hex. */
export function emailKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex');
}

/** The email index's bucket: the first byte of SHA-256 of the normalised address. */
export function emailBucket(email: string): number {
  return parseInt(emailKey(email).slice(0, 2), 16);
}
