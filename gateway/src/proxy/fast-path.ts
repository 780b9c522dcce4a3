import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import proxyaddr from 'proxy-addr';
import { type RequestFront, sendError } from '@boxoffice/platform';
import { type ServiceName } from '@boxoffice/runtime';
import type { ClientFacts, Forward } from './forward';
import { serviceForPath } from './routes';

/** Express's compiled `trust proxy` (`app.get('trust proxy fn')`): whose X-Forwarded-* to believe. */
export type TrustProxy = (address: string, hop: number) => boolean;

export interface FastPathOptions {
  /** The request id, request log and histogram, shared with the app (shared/platform/src/http). */
  front: RequestFront;
  trust: TrustProxy;
  /** The body limit of a proxied request (BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  forwarders: Readonly<Record<ServiceName, Forward>>;
}

/**
 * `/api` paths the gateway reads its own way, always through its Express app: the sessions it
 * mints and clears itself, and an event image's upload, whose body limit is IMAGE_MAX_BYTES.
 * Case-insensitive and with an optional trailing slash, as Express matches them.
 */
const SESSIONS = /^\/api\/sessions\/?$/i;
const IMAGE_UPLOAD = /^\/api\/events\/[^/]+\/image\/?$/i;

/**
 * A body the fast path may read itself: none, or a Content-Length within the limit, not
 * compressed. Anything else (chunked, compressed, too big) goes through the app, whose body
 * reader decodes it or answers 413 in the API's error format.
 */
function plainBody(req: IncomingMessage, limit: number): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const length = headers['content-length'];
  return length === undefined || Number(length) <= limit;
}

/**
 * X-Forwarded-For, -Host and -Proto as Express computes `req.ip`, `req.get('host')` and
 * `req.protocol`: one function for the fast path and the app's forwarder, so they cannot disagree.
 */
export function clientFacts(req: IncomingMessage, trust: TrustProxy): ClientFacts {
  let proto = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const forwardedProto = req.headers['x-forwarded-proto'];
  if (typeof forwardedProto === 'string' && trust(req.socket.remoteAddress ?? '', 0)) {
    proto = forwardedProto.split(',')[0]!.trim();
  }
  return { ip: proxyaddr(req, trust) ?? '', host: req.headers.host ?? '', proto };
}

/** Reads a body whose Content-Length is within the limit (Node's parser holds it to that length). */
function readBody(req: IncomingMessage, done: (body: Buffer | undefined) => void, failed: () => void): void {
  if (req.headers['content-length'] === undefined || req.headers['content-length'] === '0') {
    done(undefined);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  req.once('error', failed);
}

/**
 * The gateway's fast path: a request for a service is forwarded by plain Node, without
 * Express's request and response prototypes and router walk, which cost a fifth of the gateway's
 * CPU on a cached read. It keeps what the app's path does: the request front (id, log, metrics),
 * the X-Forwarded-* facts under trust proxy, the identity and write positions (via the
 * forwarders), and JSON errors. Everything else — the gateway's own routes, bodies it must decode
 * or refuse, any path no service owns — goes to `app` unchanged.
 */
export function withFastPath(app: RequestListener, options: FastPathOptions): RequestListener {
  const { front, trust, bodyLimitBytes, forwarders } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const service = serviceForPath(path);
    if (
      !service ||
      SESSIONS.test(path) ||
      (req.method === 'PUT' && IMAGE_UPLOAD.test(path)) ||
      !plainBody(req, bodyLimitBytes)
    ) {
      app(req, res);
      return;
    }
    front(req, res);
    const client = clientFacts(req, trust);
    readBody(
      req,
      (body) => {
        forwarders[service](req, res, body, client).catch((err: unknown) => {
          if (res.headersSent) res.destroy();
          else sendError(req, res, err);
        });
      },
      () => res.destroy(),
    );
  };
}
