import { IncomingHttpHeaders, Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createLogger, createMetricsRegistry } from '@boxoffice/platform';
import { Upstream, createGatewayApp, loadGatewayConfig } from '../../gateway/src';

/**
 * The gateway's fast path (gateway/src/proxy/fast-path.ts) against a recording stand-in service: a
 * real HTTP server that notes what reached it. What a service is told (request id, X-Forwarded-*,
 * identity, positions) must be the same whether the fast path or the Express app forwarded it.
 */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A port nothing listens on: connecting is refused at once, like a killed instance. */
const REFUSED = 'http://127.0.0.1:1';
const POSITIONS = 'events:0_2=0/16B3748';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The stand-in: `/slow` answers after 1 s, `/write` answers with write positions, anything else 200. */
function recordingService(seen: Seen[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const answer = () => {
        res.setHeader('content-type', 'application/json');
        if (req.url!.startsWith('/api/events/write')) res.setHeader('x-shard-positions', POSITIONS);
        res.end(JSON.stringify({ ok: true, url: req.url }));
      };
      if (req.url!.startsWith('/api/events/slow')) setTimeout(answer, 1000);
      else answer();
    });
  });
}

function gateway(serviceUrl: string, env: Record<string, string> = {}) {
  const config = loadGatewayConfig({
    USERS_URLS: serviceUrl,
    EVENTS_URLS: serviceUrl,
    TICKETS_URLS: serviceUrl,
    LOG_LEVEL: 'silent',
    UPSTREAM_TIMEOUT_MS: '300',
    ...env,
  });
  const upstreams = {
    users: new Upstream('users', [serviceUrl]),
    events: new Upstream('events', [serviceUrl]),
    tickets: new Upstream('tickets', [serviceUrl]),
  };
  const app = createGatewayApp({
    config,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    metrics: createMetricsRegistry('gateway'),
    upstreams,
  });
  const close = async () => {
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  };
  return { app, close };
}

/** One raw request, so the body can be sent chunked (the app's path) or with a length (the fast path). */
function send(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; chunked?: boolean },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (options.body !== undefined && !options.chunked) {
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const req = httpRequest(`${baseUrl}${path}`, { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    if (options.body !== undefined && options.chunked) {
      // Two writes before end: Node sends Transfer-Encoding: chunked.
      const half = Math.floor(options.body.length / 2);
      req.write(options.body.slice(0, half));
      req.write(options.body.slice(half));
    } else if (options.body !== undefined) {
      req.write(options.body);
    }
    req.end();
  });
}

/** The headers a service is told, without those that only describe how the body travelled. */
function told(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { 'content-length': _length, 'transfer-encoding': _chunked, 'x-request-id': _id, ...rest } = headers;
  return rest;
}

describe('the gateway fast path, next to its Express app', () => {
  const seen: Seen[] = [];
  const service = recordingService(seen);
  const servers: Server[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  let serviceUrl: string;
  let direct: ReturnType<typeof gateway>['app'];
  let directUrl: string;
  let behindProxyUrl: string;
  let downUrl: string;

  async function serve(running: ReturnType<typeof gateway>): Promise<string> {
    const server = createServer(running.app);
    servers.push(server);
    closers.push(running.close);
    return listen(server);
  }

  beforeAll(async () => {
    serviceUrl = await listen(service);
    const plain = gateway(serviceUrl);
    direct = plain.app;
    directUrl = await serve(plain);
    behindProxyUrl = await serve(gateway(serviceUrl, { TRUST_PROXY: 'loopback' }));
    downUrl = await serve(gateway(REFUSED));
  });

  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    for (const server of [...servers, service]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const lastSeen = () => seen[seen.length - 1]!;

  test('when a plain GET is proxied, then the service is told the request id, the socket as X-Forwarded-*, and nothing a client may not claim', async () => {
    const res = await send(directUrl, '/api/events/abc?x=1', {
      headers: {
        'x-request-id': 'client-chosen.id-1',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-boxoffice-identity': 'forged',
        'x-shard-positions': POSITIONS,
        'x-custom': 'kept',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('client-chosen.id-1');
    const { url, headers } = lastSeen();
    expect(url).toBe('/api/events/abc?x=1');
    expect(headers['x-request-id']).toBe('client-chosen.id-1');
    // TRUST_PROXY is none by default: the client's X-Forwarded-* are not believed.
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(new URL(directUrl).host);
    expect(headers['x-boxoffice-identity']).toBeUndefined();
    expect(headers['x-shard-positions']).toBeUndefined();
    expect(headers['x-custom']).toBe('kept');
  });

  test('when a request id is not plain, then it is replaced by a new one, sent both ways', async () => {
    const res = await send(directUrl, '/api/events/abc', { headers: { 'x-request-id': 'bad id <script>' } });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lastSeen().headers['x-request-id']).toBe(id);
  });

  test('when the gateway trusts loopback, then the client-side X-Forwarded-For and -Proto are passed on', async () => {
    await send(behindProxyUrl, '/api/events/abc', {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https, http' },
    });
    expect(lastSeen().headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(lastSeen().headers['x-forwarded-proto']).toBe('https');
  });

  test.each([
    ['the gateway', () => directUrl],
    ['the gateway behind a trusted proxy', () => behindProxyUrl],
  ])(
    'when one body is sent with a length (fast path) and chunked (the app), then %s tells the service the same',
    async (_name, url) => {
      const body = JSON.stringify({ eventId: 'e1', quantity: 2 });
      const headers = {
        'content-type': 'application/json',
        'x-forwarded-for': '198.51.100.4',
        'x-forwarded-proto': 'https',
      };
      const fast = await send(url(), '/api/orders?from=fast', { method: 'POST', headers, body });
      const viaFast = lastSeen();
      const slow = await send(url(), '/api/orders?from=fast', {
        method: 'POST',
        headers,
        body,
        chunked: true,
      });
      const viaApp = lastSeen();
      expect([fast.status, slow.status]).toEqual([200, 200]);
      expect(viaApp.headers['transfer-encoding']).toBeUndefined();
      expect(viaFast.headers['content-length']).toBe(String(body.length));
      expect(viaApp.headers['content-length']).toBe(String(body.length));
      expect([viaFast.url, viaApp.url]).toEqual(['/api/orders?from=fast', '/api/orders?from=fast']);
      expect(told(viaFast.headers)).toEqual(told(viaApp.headers));
      expect([viaFast.body, viaApp.body]).toEqual([body, body]);
    },
  );

  test("when a service answers a write with its positions, then the client gets them as a cookie, not a header, and they go with the client's next request", async () => {
    const res = await send(directUrl, '/api/events/write', { method: 'POST', body: '{}' });
    expect(res.headers['x-shard-positions']).toBeUndefined();
    const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('sidpos='));
    expect(cookie).toMatch(/; Max-Age=600; Path=\/; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/);
    await send(directUrl, '/api/events/abc', { headers: { cookie: cookie!.split(';')[0]! } });
    expect(lastSeen().headers['x-shard-positions']).toBe(POSITIONS);
  });

  test('when the service is down, then the answer is a 503 JSON error naming it, with the request id', async () => {
    const res = await send(downUrl, '/api/events/abc', { headers: { 'x-request-id': 'down-1' } });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toBe('down-1');
    expect(JSON.parse(res.body)).toEqual({
      error: expect.objectContaining({ code: 'service_unavailable', details: { service: 'events' } }),
    });
  });

  test('when the service is slower than UPSTREAM_TIMEOUT_MS, then the answer is a 504 JSON error', async () => {
    const res = await send(directUrl, '/api/events/slow', {});
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('gateway_timeout');
  });

  test('when a HEAD is proxied, then the answer has the headers and no body', async () => {
    const res = await send(directUrl, '/api/events/abc', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(lastSeen().method).toBe('HEAD');
  });

  test('when fast-path requests are answered, then the request histogram counts them', async () => {
    const count = async () => {
      const text = (await request(direct).get('/metrics')).text;
      return text
        .split('\n')
        .filter(
          (line) => line.startsWith('http_request_duration_seconds_count') && line.includes('"unmatched"'),
        )
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) await send(directUrl, '/api/events/abc', {});
    expect((await count()) - before).toBe(3);
  });

  describe('what the fast path leaves to the app', () => {
    test('when a body is over the limit, then the answer is 413 payload_too_large and the service sees nothing', async () => {
      const res = await send(directUrl, '/api/orders', { method: 'POST', body: 'x'.repeat(70 * 1024) });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
      expect(seen).toHaveLength(0);
    });

    test.each(['/api/sessions', '/api/sessions/', '/API/Sessions'])(
      'when %s is posted, then the gateway answers it itself and never forwards it',
      async (path) => {
        const res = await send(directUrl, path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"email":"a@example.com","password":"wrong-password"}',
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(seen.map((s) => s.url)).not.toContain(path);
      },
    );

    test('when a path belongs to no service, then the answer is the JSON 404 naming it', async () => {
      const res = await send(directUrl, '/api/nothing-here', {});
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('not_found');
      expect(seen).toHaveLength(0);
    });
  });

  test('when a client goes away halfway through its body, then nothing is forwarded and the gateway keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${directUrl}/api/orders`, {
        method: 'POST',
        headers: { 'content-length': '100' },
      });
      req.on('error', () => resolve());
      req.write('{"half":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const res = await send(directUrl, '/api/events/abc', {});
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/api/events/abc']);
  });
});
