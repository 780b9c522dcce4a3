import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';
import { AppError } from '@boxoffice/platform';
import { adminAccess, type AdminAccessOptions } from './admin-access';
import type { TopologyPoller } from './topology-poller';
import type { TraceCollector } from './trace-collector';
import { TRACE_ID_PATTERN } from '@boxoffice/tracing';

/**
 * Where Vite writes the page (gateway/admin-ui, `npm run build:admin`). The same relative path
 * holds in the image, where this file is compiled to gateway/src/admin/admin-routes.js.
 */
export const ADMIN_UI_DIST = resolve(__dirname, '..', '..', 'admin-ui', 'dist');

export interface AdminRoutesOptions extends AdminAccessOptions {
  poller: TopologyPoller;
  traces: TraceCollector;
  /** Default ADMIN_UI_DIST; tests point it elsewhere. */
  uiDir?: string;
}

/**
 * `/admin` (the page's static files), `/admin/api/topology` and `/admin/api/traces[/<traceId>]`
 * (its JSON), all behind adminAccess.
 */
export function adminRoutes(options: AdminRoutesOptions): Router {
  const uiDir = options.uiDir ?? ADMIN_UI_DIST;
  const router = Router();
  router.use(adminAccess(options));
  router.get('/api/topology', async (_req, res) => {
    const view = await options.poller.view();
    res.setHeader('Cache-Control', 'no-store');
    res.json(view);
  });
  router.get('/api/traces', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(options.traces.list());
  });
  router.get('/api/traces/:traceId', async (req, res) => {
    const traceId = String(req.params.traceId);
    if (!TRACE_ID_PATTERN.test(traceId)) {
      throw new AppError('validation_failed', 'A trace id is 32 lower-case hex digits', {
        details: { field: 'traceId' },
      });
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(await options.traces.trace(traceId));
  });
  // Checked per request, so building the page while the gateway runs is enough.
  router.use((_req, _res, next) => {
    if (existsSync(join(uiDir, 'index.html'))) {
      next();
      return;
    }
    next(
      new AppError(
        'service_unavailable',
        'The topology page is not built: run `npm run build:admin` (npm start does it); /admin/api/topology works without it',
      ),
    );
  });
  router.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(uiDir, 'index.html'));
  });
  // Vite names assets by content hash, so they may be cached for good.
  router.use(
    '/assets',
    express.static(join(uiDir, 'assets'), { immutable: true, maxAge: '365d', index: false }),
  );
  return router;
}
