import { BucketRange, rangeName } from '../keys/bucket-range';

/** `<prefix><service>_<range>`, e.g. users_0_2. */
export function shardDatabaseName(prefix: string, service: string, range: BucketRange): string {
  return `${prefix}${service}_${rangeName(range)}`;
}

/** The same server URL with another database name. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The database name in a Postgres URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
