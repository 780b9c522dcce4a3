import express, { Router } from 'express';
import { dirname } from 'node:path';
import { openApiDocument } from './document';

/** No inline script: the Content-Security-Policy (security-headers.ts) allows only files from here. */
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Boxoffice API</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

/** Starts Swagger UI on the document; no validator badge (it would load an image from swagger.io). */
const DOCS_SCRIPT = `SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui', validatorUrl: null });\n`;

/** `/api/openapi.json` and `/api/docs` (Swagger UI served from the npm package, no CDN). */
export function openApiRoutes(): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'max-age=3600').send(DOCS_SCRIPT);
  });
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  router.use('/api/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}
