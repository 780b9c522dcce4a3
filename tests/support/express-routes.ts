import type { Express } from 'express';

/** One route an Express app answers, with the path in OpenAPI form (`/api/events/{id}`). */
export interface ListedRoute {
  method: string;
  path: string;
}

interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/** Express `:name` parameters as OpenAPI `{name}`. */
function toTemplate(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function walk(stack: RouterLayer[], prefix: string, out: ListedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      if (typeof layer.route.path !== 'string') {
        throw new Error(`cannot list a route whose path is ${String(layer.route.path)}: use a string path`);
      }
      // Routing is not strict: `get('/')` in a router mounted at /admin answers /admin too.
      const joined = prefix + layer.route.path;
      const path = toTemplate(joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined);
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method, path });
      }
    } else if (layer.handle?.stack) {
      // A mounted router: `app.use(router)` or `app.use('/prefix', router)`.
      const mount = layer.rawPath === undefined || layer.rawPath === '/' ? '' : layer.rawPath;
      if (typeof mount !== 'string') throw new Error(`cannot list a router mounted at ${String(mount)}`);
      walk(layer.handle.stack, prefix + mount, out);
    }
  }
}

/**
 * Every method and path an Express 5 app routes, read from its router (nested routers included).
 * Middleware mounted with `use` without a router (static files, the gateway's proxy) is not a route.
 */
export function listRoutes(app: Express): ListedRoute[] {
  const router = (app as unknown as { router: { stack: RouterLayer[] } }).router;
  const out: ListedRoute[] = [];
  walk(router.stack, '', out);
  return out;
}
