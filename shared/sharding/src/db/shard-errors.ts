import { AppError } from '@boxoffice/platform';

/** Postgres SQLSTATE classes that mean "the server is not there", not "your query is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/**
 * True when an error means the shard could not be reached (refused, reset, pool timeout,
 * server shutting down), as opposed to a query error that is the caller's to handle.
 */
export function isShardUnavailableError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; name?: string; message?: string; errors?: unknown[] };
  if (e.code && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_NODE_CODES.has(e.code))) return true;
  if (e.name === 'KnexTimeoutError') return true;
  if (
    typeof e.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|^timeout expired$/i.test(e.message)
  ) {
    return true;
  }
  // pg wraps "connect ECONNREFUSED" for every address of a host in an AggregateError.
  return Array.isArray(e.errors) && e.errors.some(isShardUnavailableError);
}

export function shardUnavailable(service: string, shard: string, cause: unknown): AppError {
  return new AppError(
    'shard_unavailable',
    `The ${service} shard ${shard} is unavailable; try again shortly`,
    {
      details: { service, shard },
      cause,
    },
  );
}

/**
 * The SQLSTATE a shard raises for a write to buckets it has handed to another shard (the
 * resharding fence). Its message ends with the shard map version that moved them.
 */
export const FENCED_SQLSTATE = 'BXF01';

/** The map version a fenced write needs (the writer must reload to at least it), else undefined. */
export function fencedVersion(err: unknown): number | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code !== FENCED_SQLSTATE) return undefined;
  const match = /map version (\d+)/.exec(e.message ?? '');
  return match ? Number(match[1]) : 0;
}

export function shardMapChanged(service: string, shard: string, cause: unknown): AppError {
  return new AppError(
    'shard_unavailable',
    `The ${service} keys of shard ${shard} moved to another shard; try again`,
    { details: { service, shard, moved: true }, cause },
  );
}

/** True for the 503 `runOn` gives after a fence refused its write: grouped by the old map, regroup and retry. */
export function isShardMapChangedError(err: unknown): boolean {
  return err instanceof AppError && (err.details as { moved?: boolean } | undefined)?.moved === true;
}
