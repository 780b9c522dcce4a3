import express, { Router } from 'express';
import { dirname } from 'node:path';
import { openApiDocument } from './document';

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Boxoffice API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' });</script></body></html>`;

/** `/api/openapi.json` and `/api/docs` (Swagger UI served from the npm package, no CDN). */
export function openApiRoutes(): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  router.use('/api/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}
