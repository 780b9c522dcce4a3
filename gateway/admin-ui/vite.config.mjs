// The topology page (docs/topology-page.md): plain TypeScript, built into static files the
// gateway serves under /admin. No CDN, no runtime download: everything is in dist/.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export default {
  root: dirname(fileURLToPath(import.meta.url)),
  base: '/admin/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small page: no source maps in the image, no module preload polyfill to fetch.
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
};
