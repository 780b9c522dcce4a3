import type { RequestListener } from 'node:http';
import { hostname } from 'node:os';
import express, { Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createApp, requestFront, signCaller } from '@boxoffice/platform';
import { SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';
import { TopologyPoller, TraceCollector, adminRoutes } from './admin';
import type { GatewayConfig } from './config';
import { openApiRoutes } from './openapi';
import { Forward, TrustProxy, Upstream, clientFacts, forwardTo, serviceForPath, withFastPath } from './proxy';
import { securityHeaders } from './security-headers';
import { ReadPositions, Sessions } from './sessions';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: Registry;
  upstreams: Record<ServiceName, Upstream>;
  /** Where the topology page's built files are; default gateway/admin-ui/dist. */
  adminUiDir?: string;
}

/** Sessions; the sign-in limits are the users service's (it counts, the gateway passes its 429 on). */
function createSessions(deps: GatewayDeps): Sessions {
  const env = deps.config.env;
  return new Sessions(
    {
      sessionKeys: env.SESSION_KEYS,
      internalKeys: env.INTERNAL_KEYS,
      identityTtlSeconds: env.IDENTITY_MAX_AGE_SECONDS,
      ttlSeconds: env.SESSION_TTL_SECONDS,
      deviceTtlSeconds: env.DEVICE_COOKIE_TTL_SECONDS,
      secureCookie: env.SESSION_COOKIE_SECURE,
      upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    },
    deps.upstreams.users,
  );
}

/** One instance answering /healthz is enough for the gateway to route to that service. */
async function someInstanceAlive(upstream: Upstream): Promise<void> {
  const { response } = await upstream.request({ path: '/healthz', method: 'GET', headersTimeout: 1000 });
  await response.body.dump();
  if (response.statusCode !== 200) throw new Error(`healthz answered ${response.statusCode}`);
}

/** The topology page's access rules and its poller over every upstream instance. */
function adminOptions(deps: GatewayDeps) {
  const env = deps.config.env;
  const callerHeader = () =>
    signCaller('gateway', env.INTERNAL_KEYS, Date.now(), env.IDENTITY_MAX_AGE_SECONDS);
  return {
    adminKey: env.ADMIN_KEY,
    production: env.NODE_ENV === 'production',
    secureCookie: env.SESSION_COOKIE_SECURE,
    poller: new TopologyPoller({
      upstreams: deps.upstreams,
      topology: deps.config.topology,
      metrics: deps.metrics,
      gatewayName: `gateway@${hostname()}:${env.PORT}`,
      callerHeader,
    }),
    traces: new TraceCollector({ upstreams: deps.upstreams, callerHeader }),
  };
}

/** The gateway's request listener, with the Express app it falls back to (whose routes tests list). */
export type GatewayApp = RequestListener & { readonly app: Express };

/**
 * The gateway's request listener: probes, the OpenAPI document, sessions, and the proxy to the
 * owning service. A plain request for a service takes the fast path (proxy/fast-path.ts); the
 * rest goes through the Express app, which forwards what its own routes leave with the same
 * forwarders.
 */
export function createGatewayApp(deps: GatewayDeps): GatewayApp {
  const sessions = createSessions(deps);
  const positions = new ReadPositions({
    sessionKeys: deps.config.env.SESSION_KEYS,
    secureCookie: deps.config.env.SESSION_COOKIE_SECURE,
  });
  const readiness = Object.fromEntries(
    SERVICE_NAMES.map((service) => [`service ${service}`, () => someInstanceAlive(deps.upstreams[service])]),
  );
  const forwarders = Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      forwardTo(deps.upstreams[service], {
        timeoutMs: deps.config.env.UPSTREAM_TIMEOUT_MS,
        identityFor: sessions.identityFor,
        positionsFor: positions.headerFor,
        onUpstreamHeaders: positions.absorb,
      }),
    ]),
  ) as Record<ServiceName, Forward>;
  const front = requestFront({ logger: deps.logger, metrics: deps.metrics });

  const app = createApp({
    logger: deps.logger,
    metrics: deps.metrics,
    front,
    trustProxy: deps.config.env.TRUST_PROXY,
    readiness,
    parseJson: false,
    routes(app) {
      app.use(securityHeaders({ https: deps.config.env.SESSION_COOKIE_SECURE }));
      app.use(openApiRoutes());
      app.use('/admin', adminRoutes({ ...adminOptions(deps), uiDir: deps.adminUiDir }));
      // Bodies are read whole (bounded by the limit, 413 beyond it) so a request can be retried
      // on another instance; they are forwarded byte for byte, unparsed.
      // An event image is the one body allowed past BODY_LIMIT_BYTES: up to IMAGE_MAX_BYTES, on
      // PUT /api/events/:id/image only. It is buffered like every body (retry on another instance).
      app.put(
        '/api/events/:id/image',
        express.raw({ type: () => true, limit: deps.config.env.IMAGE_MAX_BYTES }),
      );
      app.use('/api', express.raw({ type: () => true, limit: deps.config.env.BODY_LIMIT_BYTES }));
      // POST and DELETE /api/sessions are the gateway's own: it mints and clears the cookie.
      app.use(sessions.routes());
      app.use((req, res, next) => {
        const service = serviceForPath(req.originalUrl.split('?')[0]!);
        if (!service) {
          next();
          return;
        }
        const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
        const client = clientFacts(req, req.app.get('trust proxy fn') as TrustProxy);
        forwarders[service](req, res, body, client).catch(next);
      });
    },
  });
  const listener = withFastPath(app, {
    front,
    trust: app.get('trust proxy fn') as TrustProxy,
    bodyLimitBytes: deps.config.env.BODY_LIMIT_BYTES,
    forwarders,
  });
  return Object.assign(listener, { app });
}
