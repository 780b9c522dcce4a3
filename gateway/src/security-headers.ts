import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every response of the gateway's Express app (the docs page, the topology
 * page, sessions, errors), through helmet. The Content-Security-Policy allows only this origin's
 * own scripts, styles and connections: both pages load their code and CSS as files from here (no
 * inline script or style, no CDN), images may be data: URLs (the topology page's favicon,
 * Swagger UI's icons). `frame-ancestors 'none'` and X-Frame-Options DENY: no page of the gateway
 * may be framed (clickjacking). HSTS and upgrade-insecure-requests only when the gateway is
 * reached over HTTPS (SESSION_COOKIE_SECURE): over plain HTTP they would send browsers to a
 * port that does not answer.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'none'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'"],
        ...(options.https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: options.https ? { maxAge: 365 * 24 * 3600 } : false,
    // The topology page's own choice (no-referrer) stays; every other response gets the same.
    referrerPolicy: { policy: 'no-referrer' },
  });
}
