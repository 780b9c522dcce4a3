import type { Request, RequestHandler } from 'express';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A registry per process (not prom-client's global one), so two apps built in one test process
 * keep separate figures. It holds the process metrics and the HTTP request histogram.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The matched route pattern ("/api/events/:id"), never the raw path, to keep label cardinality bounded. */
function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}

/** Records every request's duration by method, route and status. */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    // 1 ms to 10 s: local hops are ~1 ms, the purchase wait is bounded at 10 s.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // One child per label set, found by a plain string key: prom-client would otherwise hash the
  // labels object on every request. Routes are patterns, so the set stays small.
  const children = new Map<string, { observe(seconds: number): void }>();
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeLabel(req);
      const key = `${req.method} ${res.statusCode} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = duration.labels(req.method, route, String(res.statusCode));
        children.set(key, child);
      }
      child.observe((performance.now() - started) / 1000);
    });
    next();
  };
}
