import type { IncomingMessage } from 'node:http';
import { Request, Response, Router } from 'express';
import { CALLER_HEADER, DEVICE_HEADER, REQUEST_ID_HEADER, isUuid, signCaller } from '@boxoffice/platform';
import { Upstream, upstreamError } from '../proxy';
import { SESSION_COOKIE, cookieValues, encodeSession, newSession } from './session-cookie';
import { VerifiedSessions } from './verified-sessions';

export interface SessionOptions {
  /** Session cookie keys: the first signs, all verify. */
  sessionKeys: readonly string[];
  /** Keys for the identity and caller header forwarded to services. */
  internalKeys: readonly string[];
  /** How long what the gateway signs for the services lives (IDENTITY_MAX_AGE_SECONDS). */
  identityTtlSeconds: number;
  ttlSeconds: number;
  /** The device cookie's Max-Age (DEVICE_COOKIE_TTL_SECONDS). */
  deviceTtlSeconds: number;
  /** Adds `Secure` to the cookie (set it whenever clients reach the gateway over HTTPS). */
  secureCookie: boolean;
  upstreamTimeoutMs: number;
}

/** Where the users service checks credentials (not public: the gateway proxies only /api). */
const VERIFY_PATH = '/internal/sessions';

/**
 * The device cookie: the users service's token saying this browser signed in to an account
 * before, so strangers' failed guesses do not lock it out (docs/decisions/0016). Sent only to
 * POST /api/sessions (its path), never readable by scripts.
 */
export const DEVICE_COOKIE = 'did';
const DEVICE_COOKIE_PATH = '/api/sessions';

/** Response headers of the users service's answer that reach the client: Retry-After of a 429. */
const PASSED_HEADERS = ['retry-after'];

/**
 * Signed-cookie sessions (docs/decisions/0005): no session store. The gateway mints the cookie
 * after the users service accepted the credentials (and counted the attempt against the sign-in
 * limits), verifies it on every request, and forwards the user id to services as a short-lived
 * identity signed with an internal key.
 */
export class Sessions {
  private readonly verified: VerifiedSessions;

  constructor(
    private readonly options: SessionOptions,
    private readonly users: Upstream,
  ) {
    this.verified = new VerifiedSessions(
      options.sessionKeys,
      options.internalKeys,
      options.identityTtlSeconds,
    );
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
    const { status, headers, body } = await this.verify(req);
    const user = status === 200 ? (body as { id?: unknown }) : undefined;
    if (user && typeof user.id === 'string' && isUuid(user.id)) {
      this.setCookie(
        res,
        encodeSession(newSession(user.id, this.options.ttlSeconds), this.options.sessionKeys),
        this.options.ttlSeconds,
      );
      const device = headers[DEVICE_HEADER];
      if (typeof device === 'string') {
        res.cookie(DEVICE_COOKIE, device, {
          httpOnly: true,
          sameSite: 'strict',
          secure: this.options.secureCookie,
          path: DEVICE_COOKIE_PATH,
          maxAge: this.options.deviceTtlSeconds * 1000,
        });
      }
      res.set('cache-control', 'no-store').status(200).json(body);
      return;
    }
    if (status === 200) throw upstreamError('users', new Error('users answered 200 without a user id'));
    // 400, 401 and 429 (with its Retry-After): the users service's error passes through as is.
    for (const name of PASSED_HEADERS) {
      const value = headers[name];
      if (typeof value === 'string') res.set(name, value);
    }
    res.status(status).json(body);
  }

  private async verify(
    req: Request,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const headers: Record<string, string> = {
      [REQUEST_ID_HEADER]: String(req.id),
      // The client's address, signed: the users service counts failed sign-ins per address by it.
      [CALLER_HEADER]: signCaller(
        req.ip ?? 'unknown',
        this.options.internalKeys,
        Date.now(),
        this.options.identityTtlSeconds,
      ),
    };
    const device = cookieValues(req.headers.cookie, DEVICE_COOKIE)[0];
    if (device) headers[DEVICE_HEADER] = device;
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
      return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as unknown };
    } catch (err) {
      throw upstreamError('users', err);
    }
  }
}
