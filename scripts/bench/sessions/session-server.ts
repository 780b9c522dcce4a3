/**
 * One side of the lab's `sessions` experiment: a plain node:http server whose one route,
 * GET /api/me, finds the caller's session and answers `{"uid": …}` (401 without one). The two
 * sides differ only in how they find it:
 * - SESSION_MODE=cookie: the `sid` cookie is the session, verified with the gateway's own
 *   function (`sessionFromCookieHeader`: HMAC-SHA256 over the value, then its expiry) on every
 *   request; nothing is shared between servers but the key.
 * - SESSION_MODE=store: the `sid` cookie is an opaque id; the session is a JSON value in Redis
 *   under SESSION_KEY_PREFIX + id, read (GET) on every request and its expiry checked.
 * Run as its own process (the bench starts it):
 *
 *   SESSION_MODE=store PORT=<port> REDIS_URL=… SESSION_KEY_PREFIX=… SESSION_KEYS=<key> \
 *     node --import tsx scripts/bench/sessions/session-server.ts
 *
 * GET /healthz answers 200 once it serves. It stops when its parent goes away.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  SESSION_COOKIE,
  type SessionPayload,
  cookieValues,
  sessionFromCookieHeader,
} from '@boxoffice/gateway';
import { createRedisClient } from '@boxoffice/platform';

const mode = process.env.SESSION_MODE;
if (mode !== 'cookie' && mode !== 'store')
  throw new Error(`SESSION_MODE must be cookie or store, not ${mode}`);
const keys = (process.env.SESSION_KEYS ?? '').split(',').filter(Boolean);
const prefix = process.env.SESSION_KEY_PREFIX ?? '';
// The store's lookup fails fast like a cache read (no offline queue): a session store that is
// away fails the request rather than queueing it.
const redis =
  mode === 'store'
    ? createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'cache')
    : undefined;

/** The session held in Redis under the cookie's id, if any and unexpired. */
async function storedSession(header: string | undefined): Promise<SessionPayload | undefined> {
  for (const id of cookieValues(header, SESSION_COOKIE)) {
    const json = await redis!.get(`${prefix}${id}`);
    if (!json) continue;
    const session = JSON.parse(json) as SessionPayload;
    if (session.exp > Math.floor(Date.now() / 1000)) return session;
  }
  return undefined;
}

const find =
  mode === 'cookie'
    ? (req: IncomingMessage) => Promise.resolve(sessionFromCookieHeader(req.headers.cookie, keys))
    : (req: IncomingMessage) => storedSession(req.headers.cookie);

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (req.url === '/healthz') return answer(res, 200, { ok: true });
  if (req.url !== '/api/me') return answer(res, 404, { error: 'not_found' });
  find(req).then(
    (session) =>
      session ? answer(res, 200, { uid: session.uid }) : answer(res, 401, { error: 'unauthenticated' }),
    (err: Error) => answer(res, 503, { error: err.message }),
  );
});

async function main(): Promise<void> {
  await redis?.connect();
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${mode} listening ${typeof address === 'object' && address ? address.port : ''}\n`);
  });
}

// The IPC channel closes when the parent exits, even by SIGKILL: stop with it.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  void redis?.quit();
});
main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
