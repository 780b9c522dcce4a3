import express, { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorMiddleware, notFoundMiddleware } from '../errors/error-middleware';
import { httpMetrics } from './metrics';
import { ReadinessCheck, readinessHandler } from './readiness';
import { requestContext } from './request-context';

export interface CreateAppOptions {
  logger: Logger;
  metrics: Registry;
  /** Dependencies /readyz checks, by name (e.g. "shard users_0_2", "redis cache"). */
  readiness: Record<string, ReadinessCheck>;
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
  /** Adds the process's own routes. */
  routes: (app: Express) => void;
}

/**
 * The Express app every process is built on, in order: request id and request log, metrics,
 * the probes (/healthz alive, /readyz dependencies, /metrics), JSON bodies, the process's routes,
 * a JSON 404, and the one error middleware. It never listens; see `serveHttp`.
 */
export function createApp(options: CreateAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const trust = options.trustProxy ?? ['loopback'];
  app.set('trust proxy', Array.isArray(trust) ? [...trust] : trust);
  app.use(requestContext(options.logger));
  if (options.instance) {
    const instance = options.instance;
    app.use((_req, res, next) => {
      res.setHeader('x-boxoffice-instance', instance);
      next();
    });
  }
  app.use(httpMetrics(options.metrics));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/readyz', readinessHandler(options.readiness));
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  if (options.parseJson !== false) {
    app.use(express.json({ limit: options.bodyLimitBytes ?? 64 * 1024, strict: true }));
  }
  options.routes(app);
  app.use(notFoundMiddleware);
  app.use(errorMiddleware);
  return app;
}
