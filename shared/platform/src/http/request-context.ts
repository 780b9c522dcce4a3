import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';

declare module 'http' {
  interface IncomingMessage {
    /** The request id (x-request-id): the caller's when sane, else a new UUID. */
    id: string;
    /** The process's logger bound to this request's id, method and URL. */
    log: Logger;
  }
}

/** A client's request id is kept if it is short and plain; anything else is replaced. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes hit these every few seconds; logging them would drown everything else. */
const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);

/** Where a request keeps what its `log` is made from, and the logger once made. */
const BASE_LOGGER = Symbol('base logger');
const REQUEST_LOGGER = Symbol('request logger');
type WithLoggers = IncomingMessage & { [BASE_LOGGER]?: Logger; [REQUEST_LOGGER]?: Logger };

// `req.log` is one getter on the prototype, defined once. It used to be defined on each request
// with a getter closure of its own, and V8 then gave every request object a hidden class of its
// own, so every place that reads a request's properties (Node's http, Express, the gateway) saw a
// new shape per request and fell back to its slowest lookups. The gateway's CPU per proxied read
// fell by ~20 % with this (docs/performance.md, "One shape per request").
Object.defineProperty(IncomingMessage.prototype, 'log', {
  configurable: true,
  get(this: WithLoggers): Logger | undefined {
    const base = this[BASE_LOGGER];
    if (!base) return undefined;
    return (this[REQUEST_LOGGER] ??= base.child({
      requestId: this.id,
      req: { id: this.id, method: this.method, url: this.url },
    }));
  },
});

/**
 * Request ids and request logs. The id comes from `x-request-id` when the caller sent a sane one
 * (the gateway always does), else a new UUID; it is echoed in the response, bound to `req.log`
 * (so every log line of the request carries it) and available as `req.id` to pass downstream.
 *
 * Kept lean because every request of every process pays for it: `req.log` is made on
 * first use, and the access line ("request completed" at debug; 5xx at info, the error
 * middleware having logged their cause) is only listened for when its level is on.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers[REQUEST_ID_HEADER];
    const id = typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    req.id = id;
    (req as WithLoggers)[BASE_LOGGER] = logger;
    const debug = logger.isLevelEnabled('debug');
    if ((debug || logger.isLevelEnabled('info')) && !UNLOGGED.has(req.url)) {
      const started = Date.now();
      res.once('close', () => {
        const responseTime = Date.now() - started;
        const fields = { res: { statusCode: res.statusCode }, responseTime };
        if (res.statusCode >= 500) req.log.info(fields, 'request errored');
        else if (debug) req.log.debug(fields, res.writableFinished ? 'request completed' : 'request aborted');
      });
    }
    next();
  };
}
