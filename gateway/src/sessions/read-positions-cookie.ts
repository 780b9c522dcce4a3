import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { serialize } from 'cookie';
import {
  MAX_POSITIONS_TEXT,
  SHARD_POSITIONS_HEADER,
  ShardPositions,
  formatPositions,
  mergePositions,
  parsePositions,
} from '@boxoffice/sharding';
import { cookieValues } from './session-cookie';
import { signValue, verifyValue } from './signed-value';

/**
 * The cookie carrying a client's write positions per shard (read-your-writes, docs/replicas.md).
 * A second signed cookie beside `sid`, not inside it: a write updates it without re-issuing the
 * session, anonymous writers (sign-up) have positions too, and a bad positions cookie costs only
 * freshness, never the session.
 */
export const POSITIONS_COOKIE = 'sidpos';
const CONTEXT = 'boxoffice-positions-v1.';
/** Twice the longest positions text plus its MAC: anything longer is not ours. */
const MAX_COOKIE_LENGTH = 2 * MAX_POSITIONS_TEXT;
/**
 * Positions older than this are dropped (and the cookie expires): by then every replica within the
 * lag bound (seconds) has replayed them, and a re-created cluster's smaller positions are not
 * shadowed for long by an old cookie's.
 */
export const POSITIONS_TTL_SECONDS = 600;

interface PositionsPayload {
  /** Issued at, Unix seconds. */
  t: number;
  /** Positions in the X-Shard-Positions form. */
  p: string;
}

export function encodePositions(
  positions: ShardPositions,
  keys: readonly string[],
  nowMs = Date.now(),
): string {
  const payload: PositionsPayload = { t: Math.floor(nowMs / 1000), p: formatPositions(positions) };
  return signValue(CONTEXT, JSON.stringify(payload), keys);
}

/** The positions in a cookie value; none when it is tampered with, too long, malformed or expired. */
export function decodePositions(
  value: string,
  keys: readonly string[],
  nowMs = Date.now(),
): Map<string, bigint> {
  const parsed = verifyValue(CONTEXT, value, keys, MAX_COOKIE_LENGTH) as
    Partial<PositionsPayload> | undefined;
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    typeof parsed.p !== 'string' ||
    !Number.isSafeInteger(parsed.t)
  ) {
    return new Map();
  }
  const age = Math.floor(nowMs / 1000) - (parsed.t as number);
  if (age > POSITIONS_TTL_SECONDS || age < -60) return new Map();
  return parsePositions(parsed.p);
}

/** Every valid positions cookie of a request, merged. */
export function positionsFromCookieHeader(
  header: string | undefined,
  keys: readonly string[],
  nowMs = Date.now(),
): Map<string, bigint> {
  let positions = new Map<string, bigint>();
  for (const value of cookieValues(header, POSITIONS_COOKIE)) {
    positions = mergePositions(positions, decodePositions(value, keys, nowMs));
  }
  return positions;
}

/**
 * The gateway's side of read-your-writes: forwards the cookie's positions to every service as
 * X-Shard-Positions, and folds the positions a service answers a write with into the cookie.
 */
export class ReadPositions {
  constructor(private readonly options: { sessionKeys: readonly string[]; secureCookie: boolean }) {}

  /** The header value to forward for this request, if its cookie holds positions. */
  readonly headerFor = (req: IncomingMessage): string | undefined => {
    const positions = positionsFromCookieHeader(req.headers.cookie, this.options.sessionKeys);
    return positions.size > 0 ? formatPositions(positions) : undefined;
  };

  /**
   * Takes X-Shard-Positions out of a service's response (clients never see it) and, when it holds
   * positions, sets the cookie to them merged with the request's.
   */
  readonly absorb = (req: IncomingMessage, res: ServerResponse, headers: IncomingHttpHeaders): void => {
    const header = headers[SHARD_POSITIONS_HEADER];
    delete headers[SHARD_POSITIONS_HEADER];
    const written = parsePositions(typeof header === 'string' ? header : undefined);
    if (written.size === 0) return;
    const positions = mergePositions(
      positionsFromCookieHeader(req.headers.cookie, this.options.sessionKeys),
      written,
    );
    // What Express's res.cookie writes (Max-Age and Expires), on a plain response: the fast path has no Express.
    const cookie = serialize(POSITIONS_COOKIE, encodePositions(positions, this.options.sessionKeys), {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.options.secureCookie,
      path: '/',
      maxAge: POSITIONS_TTL_SECONDS,
      expires: new Date(Date.now() + POSITIONS_TTL_SECONDS * 1000),
    });
    res.appendHeader('set-cookie', cookie);
  };
}
