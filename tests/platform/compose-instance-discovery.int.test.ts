import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createLogger, createMetricsRegistry } from '@boxoffice/platform';
import {
  createGatewayApp,
  loadGatewayConfig,
  ServiceUpstreams,
  createServiceUpstreams,
} from '../../gateway/src';

/** A stand-in events instance on one loopback address: it answers every request with its address. */
function fakeInstance(address: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('x-boxoffice-instance', address);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items: [], nextCursor: null }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The gateway over a service whose instances come and go, as with `docker compose up --scale`:
 * real instances on 127.0.0.1-3 (one port, like containers of one compose service), found through
 * a fake resolver standing in for Docker's DNS.
 */
describe('the gateway balancing over instances found by DNS', () => {
  const dns: Record<string, string[]> = {};
  const instances = new Map<string, Server>();
  let port: number;
  let built: ServiceUpstreams;
  let app: ReturnType<typeof createGatewayApp>;

  /** Which instances answered `count` requests to GET /api/events through the gateway. */
  async function instancesAnswering(count: number): Promise<{ seen: Set<string>; statuses: Set<number> }> {
    const seen = new Set<string>();
    const statuses = new Set<number>();
    for (let i = 0; i < count; i++) {
      const res = await request(app).get('/api/events');
      statuses.add(res.status);
      seen.add(String(res.headers['x-boxoffice-instance']));
    }
    return { seen, statuses };
  }

  beforeAll(async () => {
    const first = await fakeInstance('127.0.0.1', 0);
    port = (first.address() as AddressInfo).port;
    instances.set('127.0.0.1', first);
    instances.set('127.0.0.2', await fakeInstance('127.0.0.2', port));
    dns['events.compose'] = ['127.0.0.1', '127.0.0.2'];
    dns['users.compose'] = ['127.0.0.1'];
    dns['tickets.compose'] = ['127.0.0.1'];

    const config = loadGatewayConfig({
      UPSTREAM_DISCOVERY: 'dns',
      UPSTREAM_RESOLVE_INTERVAL_MS: '100',
      USERS_URLS: `http://users.compose:${port}`,
      EVENTS_URLS: `http://events.compose:${port}`,
      TICKETS_URLS: `http://tickets.compose:${port}`,
    });
    built = createServiceUpstreams(config, {
      resolve: async (hostname) => {
        const addresses = dns[hostname];
        if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
        return addresses;
      },
    });
    await built.startDiscovery();
    app = createGatewayApp({
      config,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      metrics: createMetricsRegistry('gateway'),
      upstreams: built.upstreams,
    });
  });

  afterAll(async () => {
    built?.stopDiscovery();
    await Promise.all(Object.values(built?.upstreams ?? {}).map((u) => u.close()));
    await Promise.all([...instances.values()].map(close));
  });

  test('when the name resolves to two addresses, then requests are balanced over both', async () => {
    const { seen, statuses } = await instancesAnswering(4);
    expect([...statuses]).toEqual([200]);
    expect([...seen].sort()).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  test('when a third instance appears (scale up), then the gateway sends it requests without a restart', async () => {
    instances.set('127.0.0.3', await fakeInstance('127.0.0.3', port));
    dns['events.compose'] = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    await waitFor(() => built.upstreams.events.urls.length === 3);

    const { seen, statuses } = await instancesAnswering(6);
    expect([...statuses]).toEqual([200]);
    expect([...seen].sort()).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  test('when an instance goes away (scale down), then no request fails and none reaches it', async () => {
    dns['events.compose'] = ['127.0.0.1', '127.0.0.3'];
    await close(instances.get('127.0.0.2')!);
    instances.delete('127.0.0.2');

    // Before the next refresh the dead instance refuses connects and is skipped; after it, it is gone.
    const during = await instancesAnswering(4);
    await waitFor(() => built.upstreams.events.urls.length === 2);
    const after = await instancesAnswering(4);

    expect([...during.statuses, ...after.statuses]).toEqual([200, 200]);
    expect([...after.seen].sort()).toEqual(['127.0.0.1', '127.0.0.3']);
  });

  test('when the name stops resolving, then the gateway keeps the instances it knew and keeps serving', async () => {
    delete dns['events.compose'];
    await new Promise((r) => setTimeout(r, 300));
    expect(built.upstreams.events.urls).toEqual([`http://127.0.0.1:${port}`, `http://127.0.0.3:${port}`]);
    const { statuses } = await instancesAnswering(2);
    expect([...statuses]).toEqual([200]);
    dns['events.compose'] = ['127.0.0.1', '127.0.0.3'];
  });
});
