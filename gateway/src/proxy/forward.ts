import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AppError, IDENTITY_HEADER, REQUEST_ID_HEADER, sendError } from '@boxoffice/platform';
import { SHARD_POSITIONS_HEADER } from '@boxoffice/sharding';
import { ClientClosedError } from './pass-through';
import { NoInstanceError, Upstream } from './upstream';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are about one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

export interface ForwardOptions {
  timeoutMs: number;
  /** Signed identity to attach for the signed-in user, if any (set by the sessions layer). */
  identityFor?: (req: IncomingMessage) => string | undefined;
  /** The client's write positions to forward as X-Shard-Positions (read-your-writes), if any. */
  positionsFor?: (req: IncomingMessage) => string | undefined;
  /** Sees the service's response headers before they are copied (takes the write positions out). */
  onUpstreamHeaders?: (req: IncomingMessage, res: ServerResponse, headers: IncomingHttpHeaders) => void;
}

/** The client as the gateway tells the service (X-Forwarded-For, -Host, -Proto), trust proxy applied. */
export interface ClientFacts {
  ip: string;
  host: string;
  proto: string;
}

/**
 * Proxies one request whose body, if any, was already read whole. Resolves once it is answered:
 * with the service's answer, or with the gateway's JSON error when the service failed first.
 */
export type Forward = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer | undefined,
  client: ClientFacts,
) => Promise<void>;

/**
 * Request headers that describe the body as the client sent it. The gateway's body reader
 * (express.raw) has already decoded a gzip, deflate or br body, so the body it forwards is
 * plain: labelling it `Content-Encoding: gzip` made every service refuse it.
 */
const DECODED_BY_GATEWAY = new Set(['content-encoding']);

function forwardableHeaders(
  req: IncomingMessage,
  client: ClientFacts,
  identity: string | undefined,
  positions: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    // A client never gets to claim an identity or positions: only the gateway sets these headers.
    if (value === undefined || HOP_BY_HOP.has(name) || name === IDENTITY_HEADER) continue;
    if (name === SHARD_POSITIONS_HEADER) continue;
    if (DECODED_BY_GATEWAY.has(name)) continue;
    out[name] = value;
  }
  out[REQUEST_ID_HEADER] = String(req.id);
  out['x-forwarded-for'] = client.ip;
  out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = client.proto;
  if (identity) out[IDENTITY_HEADER] = identity;
  if (positions) out[SHARD_POSITIONS_HEADER] = positions;
  return out;
}

function copyResponseHeaders(res: ServerResponse, headers: IncomingHttpHeaders): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || (HOP_BY_HOP.has(name) && name !== 'content-length')) continue;
    res.setHeader(name, value);
  }
}

/** Maps a failed upstream call to the gateway's JSON error (the proxy's and the sessions layer's). */
export function upstreamError(service: string, err: unknown): AppError {
  if (err instanceof NoInstanceError) {
    return new AppError('service_unavailable', `The ${service} service is unavailable; try again shortly`, {
      details: { service },
      cause: err,
    });
  }
  const code = (err as { code?: string })?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new AppError('gateway_timeout', `The ${service} service did not answer in time`, {
      details: { service },
      cause: err,
    });
  }
  return new AppError('bad_gateway', `The ${service} service failed to answer`, {
    details: { service },
    cause: err,
  });
}

/**
 * Proxies a request to one instance of `upstream`. The body was already read into a Buffer
 * (bounded by the body limit), which is what makes retrying on another instance safe. The answer
 * is passed through as it came (pass-through.ts): a small one in one write, a big one streamed. Plain Node
 * request and response: the gateway's fast path and its Express app both call it.
 */
export function forwardTo(upstream: Upstream, options: ForwardOptions): Forward {
  return async (req, res, body, client) => {
    const headers = forwardableHeaders(req, client, options.identityFor?.(req), options.positionsFor?.(req));
    if (body) headers['content-length'] = String(body.length);
    try {
      await upstream.passThrough(
        {
          path: req.url!,
          method: req.method as 'GET',
          headers,
          body,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        res,
        (statusCode, upstreamHeaders) => {
          res.statusCode = statusCode;
          options.onUpstreamHeaders?.(req, res, upstreamHeaders);
          copyResponseHeaders(res, upstreamHeaders);
        },
      );
    } catch (err) {
      if (err instanceof ClientClosedError) return;
      if (res.headersSent) {
        req.log.warn({ err, service: upstream.service }, 'upstream failed mid-response');
        res.destroy();
        return;
      }
      sendError(req, res, upstreamError(upstream.service, err));
    }
  };
}
