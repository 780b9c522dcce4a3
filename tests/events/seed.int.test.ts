import express from 'express';
import { AddressInfo } from 'node:net';
import { Server, createServer } from 'node:http';
import { newId } from '@boxoffice/platform';
import { DEMO_PASSWORD, seedDemo } from '@boxoffice/devstack';
import { EventBody, EventsHarness, identityOf, startEvents } from './events-test-kit';

/**
 * `npm run seed` against a stand-in gateway: the users endpoints (docs/architecture.md, The public API) faked in a few
 * lines, /api/events* forwarded to the real events service with a signed identity from the
 * `sid` cookie. The real gateway's sessions are another issue; this pins the seed's contract.
 */
function fakeGateway(eventsUrl: string): express.Express {
  const users = new Map<string, string>();
  const app = express();
  app.use(express.json());
  app.post('/api/users', (req, res) => {
    if (users.has(req.body.email)) {
      res.status(409).json({ error: { code: 'email_taken', message: 'taken' } });
      return;
    }
    const id = newId();
    users.set(req.body.email, id);
    res.status(201).json({ id, email: req.body.email, displayName: req.body.displayName });
  });
  app.post('/api/sessions', (req, res) => {
    const id = users.get(req.body.email);
    if (!id || req.body.password !== DEMO_PASSWORD) {
      res.status(401).json({ error: { code: 'unauthenticated', message: 'no' } });
      return;
    }
    res.cookie('sid', id, { httpOnly: true }).json({ id });
  });
  // Event images are bodies of their own type: forwarded as they came, not as JSON.
  app.put('/api/events/:id/image', express.raw({ type: () => true, limit: '10mb' }), async (req, res) => {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    const upstream = await fetch(`${eventsUrl}${req.originalUrl}`, {
      method: 'PUT',
      headers: { 'content-type': req.get('content-type') ?? '', ...(sid ? identityOf(sid) : {}) },
      body: new Uint8Array(req.body as Buffer),
    });
    res
      .status(upstream.status)
      .type('json')
      .send(await upstream.text());
  });
  app.use('/api/events', async (req, res) => {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    const upstream = await fetch(`${eventsUrl}${req.originalUrl}`, {
      method: req.method,
      headers: { 'content-type': 'application/json', ...(sid ? identityOf(sid) : {}) },
      body: req.method === 'GET' ? undefined : JSON.stringify(req.body),
    });
    res
      .status(upstream.status)
      .type('json')
      .send(await upstream.text());
  });
  return app;
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('npm run seed', () => {
  let events: EventsHarness;
  const servers: Server[] = [];
  let gatewayUrl: string;

  beforeAll(async () => {
    events = await startEvents();
    const eventsServer = await listen(events.service.app);
    const gateway = await listen(fakeGateway(eventsServer.url));
    servers.push(eventsServer.server, gateway.server);
    gatewayUrl = gateway.url;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await events?.close();
  });

  test('when seeding 3 users and 24 events, then every event is listed, spread over the users', async () => {
    let progress = 0;
    const report = await seedDemo(
      { url: gatewayUrl, users: 3, events: 24, concurrency: 4 },
      () => progress++,
    );
    expect(report).toEqual({ users: 3, events: 24, failures: [] });
    expect(progress).toBe(27);

    const res = await events.call('GET', '/api/events?limit=100');
    const items = res.body.items as EventBody[];
    expect(items).toHaveLength(24);
    expect(new Set(items.map((e) => e.organizerId)).size).toBe(3);
  });

  test('when seeding again, then the existing users sign in and add more events', async () => {
    const report = await seedDemo({ url: gatewayUrl, users: 3, events: 6, concurrency: 2 });
    expect(report).toEqual({ users: 3, events: 6, failures: [] });
  });

  test('when the gateway refuses, then the failures are reported, not thrown', async () => {
    const report = await seedDemo({ url: `${gatewayUrl}/nowhere`, users: 1, events: 2, concurrency: 1 });
    expect(report.users).toBe(0);
    expect(report.failures.length).toBeGreaterThan(0);
  });
});
