import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorMiddleware, notFoundMiddleware } from '../errors/error-middleware';
import { verifyUtf8 } from '../errors/utf8-body';
import { httpMetrics } from './metrics';
import { ReadinessChecks, readinessHandler } from './readiness';
import { requestContext } from './request-context';

export interface CreateAppOptions {
  logger: Logger;
  metrics: Registry;
  /** Dependencies /readyz checks, by name (e.g. "shard users_0_2", "redis cache"), or a function giving them at each probe. */
  readiness: ReadinessChecks;
  /** Largest JSON body, in bytes. Default 64 KiB. */
  bodyLimitBytes?: number;
  /** Parse JSON bodies. The gateway turns this off: it streams bodies through untouched. */
  parseJson?: boolean;
  /** Sent as `x-boxoffice-instance` on every response, so balancing can be seen (e.g. "users@web-1:7101"). */
  instance?: string;
  /**
   * Which peers may tell the app the client's address through `X-Forwarded-For` (Express's
   * `trust proxy`). Default `['loopback']`: a service sits behind the gateway. The public gateway
   * passes its TRUST_PROXY setting (default: nobody).
   */
  trustProxy?: false | number | readonly string[];
  /**
   * The request front to use (see `requestFront`), when the process also answers some requests
   * beside the app (the gateway's fast path) and both must share one request histogram.
   */
  front?: RequestFront;
  /** Adds the process's own routes. */
  routes: (app: Express) => void;
}

/**
 * What every request goes through before anything answers it: its request id and request log,
 * the `x-boxoffice-instance` header, and the request histogram. Plain Node in, plain Node out, so
 * a request answered without Express (the gateway's fast path) passes the same front.
 */
export type RequestFront = (req: IncomingMessage, res: ServerResponse) => void;

export function requestFront(
  options: Pick<CreateAppOptions, 'logger' | 'metrics' | 'instance'>,
): RequestFront {
  const context = requestContext(options.logger);
  const metrics = httpMetrics(options.metrics);
  const instance = options.instance;
  const next = () => undefined;
  return (req, res) => {
    // Both handlers use only what Node's own request and response have.
    context(req as Request, res as Response, next);
    if (instance) res.setHeader('x-boxoffice-instance', instance);
    metrics(req as Request, res as Response, next);
  };
}

/**
 * The Express app every process is built on, in order: request id and request log, metrics,
 * the probes (/healthz alive, /readyz dependencies, /metrics), JSON bodies (UTF-8 only), the process's routes,
 * a JSON 404, and the one error middleware. It never listens; see `serveHttp`.
 */
export function createApp(options: CreateAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const trust = options.trustProxy ?? ['loopback'];
  app.set('trust proxy', Array.isArray(trust) ? [...trust] : trust);
  const front = options.front ?? requestFront(options);
  app.use((req, res, next) => {
    front(req, res);
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/readyz', readinessHandler(options.readiness));
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  if (options.parseJson !== false) {
    // Bodies that are not UTF-8 are refused (400 invalid_utf8) before they are decoded, so a
    // service never stores U+FFFD for bytes a client sent, however the request reached it.
    app.use(express.json({ limit: options.bodyLimitBytes ?? 64 * 1024, strict: true, verify: verifyUtf8 }));
  }
  options.routes(app);
  app.use(notFoundMiddleware);
  app.use(errorMiddleware);
  return app;
}
