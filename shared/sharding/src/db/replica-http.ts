import type { RequestHandler, Response } from 'express';
import { ReadContext, runWithReadContext } from './read-context';
import { SHARD_POSITIONS_HEADER, formatPositions, parsePositions } from './replica-positions';
import type { ShardDatabases } from './shard-databases';

/** Methods that never write: their requests report no positions. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How long the position query after a write may hold the response back (a primary that just answered). */
const POSITION_TIMEOUT_MS = 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Holds a write's response back until the WAL position of every shard it used is known, then
 * answers with them in X-Shard-Positions. Asked at the end, not after each query, so a write that
 * waits for work done elsewhere on its shard (the purchase's confirmation) reports a position
 * past that work too. A failed position query only drops the header: the write stands.
 */
function reportPositionsOnEnd(res: Response, context: ReadContext, dbs: ShardDatabases): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let ending = false;
  (res as unknown as { end: (...args: unknown[]) => Response }).end = (...args: unknown[]) => {
    const written = context.written;
    if (ending || !written || written.size === 0 || res.headersSent) return end(...args);
    ending = true;
    withTimeout(dbs.writePositions(written.values()), POSITION_TIMEOUT_MS)
      .then((positions) => {
        if (positions && positions.size > 0 && !res.headersSent) {
          res.setHeader(SHARD_POSITIONS_HEADER, formatPositions(positions));
        }
      })
      .catch(() => undefined)
      .finally(() => end(...args));
    return res;
  };
}

/**
 * Read-your-writes for one service (docs/replicas.md): reads the caller's positions from
 * X-Shard-Positions into the request's read context (bad entries are ignored: a position only
 * ever costs freshness), and makes writes answer with their own. Mount it after the body parser,
 * so the context reaches the route. Without replicas it does nothing.
 */
export function shardPositions(dbs: ShardDatabases): RequestHandler {
  return (req, res, next) => {
    if (!dbs.replicas) {
      next();
      return;
    }
    const header = req.headers[SHARD_POSITIONS_HEADER];
    const context: ReadContext = {
      positions: parsePositions(typeof header === 'string' ? header : undefined),
      written: SAFE_METHODS.has(req.method) ? undefined : new Map(),
    };
    if (context.written) reportPositionsOnEnd(res, context, dbs);
    runWithReadContext(context, () => next());
  };
}
