import type { IncomingMessage } from 'node:http';
import { Request, Response, Router } from 'express';
import { AppError, REQUEST_ID_HEADER, assertUtf8, isUuid, normalizeEmail } from '@boxoffice/shared';
import { Upstream, upstreamError } from '../proxy';
import { SESSION_COOKIE, encodeSession, newSession } from './session-cookie';
import { SignInLimiter } from './sign-in-limiter';
import { VerifiedSessions } from './verified-sessions';

export interface SessionOptions {
  /** Session cookie keys: the first signs, all verify. */
  sessionKeys: readonly string[];
  /** Keys for the identity forwarded to services. */
  internalKeys: readonly string[];
  ttlSeconds: number;
  /** Adds `Secure` to the cookie (set it whenever clients reach the gateway over HTTPS). */
  secureCookie: boolean;
  upstreamTimeoutMs: number;
}

/** Where the users service checks credentials (not public: the gateway proxies only /api). */
const VERIFY_PATH = '/internal/sessions';

/** The address in a sign-in body, for the per-address limit; the users service validates the rest. */
function emailIn(body: unknown): string | undefined {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { email?: unknown };
    return typeof parsed?.email === 'string' ? normalizeEmail(parsed.email) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signed-cookie sessions (DESIGN §7): no session store. The gateway mints the cookie after the
 * users service accepted the credentials, verifies it on every request, and forwards the user id
 * to services as a short-lived identity signed with an internal key.
 */
export class Sessions {
  private readonly verified: VerifiedSessions;

  constructor(
    private readonly options: SessionOptions,
    private readonly users: Upstream,
    private readonly limiter: SignInLimiter,
  ) {
    this.verified = new VerifiedSessions(options.sessionKeys, options.internalKeys);
  }

  /** The signed identity to forward for this request's session, if it has a valid one. */
  readonly identityFor = (req: IncomingMessage): string | undefined =>
    this.verified.identityFor(req.headers.cookie);

  routes(): Router {
    const router = Router();
    router.post('/api/sessions', (req, res) => this.signIn(req, res));
    router.delete('/api/sessions', (_req, res) => {
      this.setCookie(res, '', 0);
      res.status(204).end();
    });
    return router;
  }

  private setCookie(res: Response, value: string, maxAgeSeconds: number): void {
    res.cookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.options.secureCookie,
      path: '/',
      maxAge: maxAgeSeconds * 1000,
    });
  }

  private async signIn(req: Request, res: Response): Promise<void> {
    // The gateway reads the address itself (for the per-address limit), so it refuses a body that
    // is not UTF-8 before that: decoding it would count the attempt against a made-up address.
    if (Buffer.isBuffer(req.body)) assertUtf8(req.body);
    const reservation = await this.limiter.reserve(req.ip ?? 'unknown', emailIn(req.body));
    if (!reservation.allowed) {
      throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
        details: { retryAfterSeconds: reservation.retryAfterSeconds },
        headers: { 'retry-after': String(reservation.retryAfterSeconds) },
      });
    }
    const { status, body } = await this.verify(req);
    const user = status === 200 ? (body as { id?: unknown }) : undefined;
    if (user && typeof user.id === 'string' && isUuid(user.id)) {
      await reservation.refund();
      this.setCookie(
        res,
        encodeSession(newSession(user.id, this.options.ttlSeconds), this.options.sessionKeys),
        this.options.ttlSeconds,
      );
      res.set('cache-control', 'no-store').status(200).json(body);
      return;
    }
    if (status === 200) throw upstreamError('users', new Error('users answered 200 without a user id'));
    // 400 and 401 count against the limits; the users service's error body passes through as is.
    res.status(status).json(body);
  }

  private async verify(req: Request): Promise<{ status: number; body: unknown }> {
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const headers: Record<string, string> = {
      [REQUEST_ID_HEADER]: String(req.id),
      'x-forwarded-for': req.ip ?? '',
    };
    const contentType = req.get('content-type');
    if (contentType) headers['content-type'] = contentType;
    if (body) headers['content-length'] = String(body.length);
    try {
      const { response } = await this.users.request({
        path: VERIFY_PATH,
        method: 'POST',
        headers,
        body,
        headersTimeout: this.options.upstreamTimeoutMs,
        bodyTimeout: this.options.upstreamTimeoutMs,
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: JSON.parse(text) as unknown };
    } catch (err) {
      throw upstreamError('users', err);
    }
  }
}
