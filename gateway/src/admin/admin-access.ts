import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '@boxoffice/platform';

export const ADMIN_KEY_HEADER = 'x-admin-key';
export const ADMIN_COOKIE = 'bo_admin';
/** The admin cookie lasts 12 hours: a working day at the page, then the key again. */
const COOKIE_MAX_AGE_SECONDS = 12 * 3600;
/** Longer keys are refused before any comparison (a header is no place for a megabyte). */
const MAX_KEY_LENGTH = 512;

export interface AdminAccessOptions {
  /** ADMIN_KEY; undefined = no key configured. */
  adminKey: string | undefined;
  production: boolean;
  secureCookie: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The client's address as Express sees it: the TCP peer, or X-Forwarded-For from a proxy TRUST_PROXY names. */
function isLocal(req: Request): boolean {
  return LOOPBACK.has(req.ip ?? '') || /^127\./.test(req.ip ?? '') || /^::ffff:127\./.test(req.ip ?? '');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie holds an HMAC of the key, never the key itself: a leaked cookie does not leak ADMIN_KEY. */
export function adminCookieValue(adminKey: string): string {
  return createHmac('sha256', adminKey).update('boxoffice admin page').digest('base64url');
}

function cookieNamed(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_KEY_LENGTH ? value : undefined;
}

/**
 * Who may see `/admin` (docs/topology-page.md):
 * - ADMIN_KEY set: anyone with the key, anywhere. The key comes in the `x-admin-key` header, or
 *   once as `?key=` on the page, which answers 303 to the bare page with an HttpOnly cookie
 *   (an HMAC of the key), so the key does not stay in the address bar or history.
 * - no ADMIN_KEY, NODE_ENV=production: nobody; the page does not exist (404).
 * - no ADMIN_KEY otherwise: clients on this machine only (403 for others).
 */
export function adminAccess(options: AdminAccessOptions): RequestHandler {
  const { adminKey } = options;
  const cookieValue = adminKey ? adminCookieValue(adminKey) : undefined;
  return (req, res, next) => {
    if (!adminKey) {
      if (options.production) throw new AppError('not_found', 'No such route');
      if (!isLocal(req)) {
        throw new AppError(
          'forbidden',
          'The topology page answers only on localhost unless ADMIN_KEY is configured',
        );
      }
      next();
      return;
    }
    const header = req.headers[ADMIN_KEY_HEADER];
    if (header !== undefined) {
      if (single(header) !== undefined && equal(single(header)!, adminKey)) {
        next();
        return;
      }
      throw new AppError('unauthenticated', `Wrong ${ADMIN_KEY_HEADER}`);
    }
    const queryKey = req.query.key;
    if (queryKey !== undefined) {
      if (single(queryKey) === undefined || !equal(single(queryKey)!, adminKey)) {
        throw new AppError('unauthenticated', 'Wrong admin key');
      }
      res.cookie(ADMIN_COOKIE, cookieValue!, {
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookie,
        path: '/admin',
        maxAge: COOKIE_MAX_AGE_SECONDS * 1000,
      });
      res.redirect(303, req.baseUrl || '/admin');
      return;
    }
    const cookie = cookieNamed(req.headers.cookie, ADMIN_COOKIE);
    if (cookie !== undefined && equal(cookie, cookieValue!)) {
      next();
      return;
    }
    throw new AppError(
      'unauthenticated',
      `The topology page needs the admin key: send the ${ADMIN_KEY_HEADER} header, or open /admin?key=<ADMIN_KEY> once`,
    );
  };
}
