import {
  loadGatewayConfig,
  DnsDiscovery,
  ResolveHost,
  Upstream,
  createServiceUpstreams,
  discoverInstances,
  instanceUrl,
} from '../../gateway/src';

/** A resolver over a table the test edits: what Docker's DNS would answer for each name. */
function fakeDns(table: Record<string, string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [...addresses];
  };
  return Object.assign(resolve, { calls });
}

describe('instance discovery by DNS (docker compose --scale)', () => {
  const upstreams: Upstream[] = [];
  const upstreamOf = (urls: string[]) => {
    const upstream = new Upstream('events', urls);
    upstreams.push(upstream);
    return upstream;
  };

  afterEach(async () => {
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  describe('discoverInstances', () => {
    test('when a name resolves to three addresses, then there are three instances on the same port', async () => {
      const resolve = fakeDns({ events: ['10.0.0.4', '10.0.0.2', '10.0.0.3'] });
      await expect(discoverInstances(['http://events:7201'], resolve)).resolves.toEqual([
        'http://10.0.0.2:7201',
        'http://10.0.0.3:7201',
        'http://10.0.0.4:7201',
      ]);
    });

    test('when a URL already names an address, then it is kept as it is and nothing is resolved', async () => {
      const resolve = fakeDns({});
      await expect(
        discoverInstances(['http://127.0.0.1:7201', 'http://[::1]:7202'], resolve),
      ).resolves.toEqual(['http://127.0.0.1:7201', 'http://[::1]:7202']);
      expect(resolve.calls).toEqual([]);
    });

    test('when a name resolves to an IPv6 address, then the URL brackets it', () => {
      expect(instanceUrl('http://events:7201', 'fd00::5')).toBe('http://[fd00::5]:7201');
    });

    test('when a name resolves to nothing or fails, then discovery throws naming it', async () => {
      await expect(discoverInstances(['http://events:7201'], fakeDns({ events: [] }))).rejects.toThrow(
        'events resolved to no address',
      );
      await expect(discoverInstances(['http://events:7201'], fakeDns({}))).rejects.toThrow(
        'ENOTFOUND events',
      );
    });
  });

  describe('Upstream instance set', () => {
    test('when instances are added and removed, then the set follows and duplicates are ignored', () => {
      const upstream = upstreamOf(['http://10.0.0.2:7201']);
      expect(upstream.add('http://10.0.0.3:7201')).toBe(true);
      expect(upstream.add('http://10.0.0.3:7201')).toBe(false);
      expect(upstream.remove('http://10.0.0.2:7201')).toBe(true);
      expect(upstream.remove('http://10.0.0.9:7201')).toBe(false);
      expect(upstream.urls).toEqual(['http://10.0.0.3:7201']);
    });

    test('when the last instance would be removed, then the upstream refuses', () => {
      const upstream = upstreamOf(['http://10.0.0.2:7201']);
      expect(() => upstream.remove('http://10.0.0.2:7201')).toThrow('events cannot lose its last instance');
      expect(() => upstream.replaceAll([])).toThrow('events has no instances');
      expect(upstream.urls).toEqual(['http://10.0.0.2:7201']);
    });

    test('when the set is replaced, then it reports what was added and removed', () => {
      const upstream = upstreamOf(['http://10.0.0.2:7201', 'http://10.0.0.3:7201']);
      expect(upstream.replaceAll(['http://10.0.0.3:7201', 'http://10.0.0.4:7201'])).toEqual({
        added: ['http://10.0.0.4:7201'],
        removed: ['http://10.0.0.2:7201'],
      });
      expect(upstream.urls).toEqual(['http://10.0.0.3:7201', 'http://10.0.0.4:7201']);
    });
  });

  describe('DnsDiscovery', () => {
    test('when the service scales from 2 to 3 and back to 1, then each refresh makes the upstream match', async () => {
      const table = { events: ['10.0.0.2', '10.0.0.3'] };
      const upstream = upstreamOf(['http://events:7201']);
      const changes: unknown[] = [];
      const discovery = new DnsDiscovery(upstream, ['http://events:7201'], {
        intervalMs: 60_000,
        resolve: fakeDns(table),
        onChange: (change) => changes.push(change),
      });

      await discovery.refresh();
      expect(upstream.urls).toEqual(['http://10.0.0.2:7201', 'http://10.0.0.3:7201']);

      table.events = ['10.0.0.2', '10.0.0.3', '10.0.0.7'];
      await discovery.refresh();
      expect(upstream.urls).toEqual(['http://10.0.0.2:7201', 'http://10.0.0.3:7201', 'http://10.0.0.7:7201']);

      table.events = ['10.0.0.7'];
      await discovery.refresh();
      expect(upstream.urls).toEqual(['http://10.0.0.7:7201']);

      expect(changes).toEqual([
        {
          service: 'events',
          added: ['http://10.0.0.2:7201', 'http://10.0.0.3:7201'],
          removed: ['http://events:7201'],
          urls: ['http://10.0.0.2:7201', 'http://10.0.0.3:7201'],
        },
        {
          service: 'events',
          added: ['http://10.0.0.7:7201'],
          removed: [],
          urls: ['http://10.0.0.2:7201', 'http://10.0.0.3:7201', 'http://10.0.0.7:7201'],
        },
        {
          service: 'events',
          added: [],
          removed: ['http://10.0.0.2:7201', 'http://10.0.0.3:7201'],
          urls: ['http://10.0.0.7:7201'],
        },
      ]);
    });

    test('when a refresh finds the same set, then nothing is reported', async () => {
      const upstream = upstreamOf(['http://10.0.0.2:7201']);
      const onChange = jest.fn();
      const discovery = new DnsDiscovery(upstream, ['http://events:7201'], {
        intervalMs: 60_000,
        resolve: fakeDns({ events: ['10.0.0.2'] }),
        onChange,
      });
      await expect(discovery.refresh()).resolves.toEqual({ added: [], removed: [] });
      expect(onChange).not.toHaveBeenCalled();
    });

    test('when resolving fails or finds nothing, then the known instances stay and the error is reported', async () => {
      const table: Record<string, string[]> = { events: ['10.0.0.2', '10.0.0.3'] };
      const upstream = upstreamOf(['http://events:7201']);
      const errors: string[] = [];
      const discovery = new DnsDiscovery(upstream, ['http://events:7201'], {
        intervalMs: 60_000,
        resolve: fakeDns(table),
        onError: (err, service) => errors.push(`${service}: ${err.message}`),
      });
      await discovery.refresh();

      table.events = [];
      await expect(discovery.refresh()).resolves.toBeUndefined();
      delete table.events;
      await expect(discovery.refresh()).resolves.toBeUndefined();

      expect(upstream.urls).toEqual(['http://10.0.0.2:7201', 'http://10.0.0.3:7201']);
      expect(errors).toEqual([
        'events: events resolved to no address',
        'events: getaddrinfo ENOTFOUND events',
      ]);
    });

    test('when refreshes overlap, then they share one lookup', async () => {
      const resolve = fakeDns({ events: ['10.0.0.2'] });
      const discovery = new DnsDiscovery(upstreamOf(['http://events:7201']), ['http://events:7201'], {
        intervalMs: 60_000,
        resolve,
      });
      await Promise.all([discovery.refresh(), discovery.refresh(), discovery.refresh()]);
      expect(resolve.calls).toEqual(['events']);
    });

    test('when started, then it resolves again every interval until stopped', async () => {
      jest.useFakeTimers();
      try {
        const resolve = fakeDns({ events: ['10.0.0.2'] });
        const discovery = new DnsDiscovery(upstreamOf(['http://events:7201']), ['http://events:7201'], {
          intervalMs: 5000,
          resolve,
        });
        discovery.start();
        await jest.advanceTimersByTimeAsync(15_000);
        expect(resolve.calls).toHaveLength(3);
        discovery.stop();
        await jest.advanceTimersByTimeAsync(15_000);
        expect(resolve.calls).toHaveLength(3);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('the gateway configuration', () => {
    const base = {
      USERS_URLS: 'http://users:7101',
      EVENTS_URLS: 'http://events:7201',
      TICKETS_URLS: 'http://tickets:7301',
    };

    test('when UPSTREAM_DISCOVERY is not set, then URLs are used as they are (npm start)', async () => {
      const config = loadGatewayConfig(base);
      expect(config.env.UPSTREAM_DISCOVERY).toBe('static');
      const resolve = fakeDns({ events: ['10.0.0.2'] });
      const built = createServiceUpstreams(config, { resolve });
      upstreams.push(...Object.values(built.upstreams));
      await built.startDiscovery();
      built.stopDiscovery();
      expect(resolve.calls).toEqual([]);
      expect(built.upstreams.events.urls).toEqual(['http://events:7201']);
    });

    test('when UPSTREAM_DISCOVERY=dns, then every service name is resolved before the gateway listens', async () => {
      const config = loadGatewayConfig({
        ...base,
        UPSTREAM_DISCOVERY: 'dns',
        UPSTREAM_RESOLVE_INTERVAL_MS: '60000',
      });
      const resolve = fakeDns({
        users: ['10.0.1.2'],
        events: ['10.0.2.2', '10.0.2.3'],
        tickets: ['10.0.3.2'],
      });
      const built = createServiceUpstreams(config, { resolve });
      upstreams.push(...Object.values(built.upstreams));
      await built.startDiscovery();
      built.stopDiscovery();
      expect(resolve.calls.sort()).toEqual(['events', 'tickets', 'users']);
      expect(built.upstreams.events.urls).toEqual(['http://10.0.2.2:7201', 'http://10.0.2.3:7201']);
      expect(built.upstreams.users.urls).toEqual(['http://10.0.1.2:7101']);
    });

    test('when UPSTREAM_DISCOVERY has another value, then start-up is refused naming the variable', () => {
      expect(() => loadGatewayConfig({ ...base, UPSTREAM_DISCOVERY: 'consul' })).toThrow(
        /UPSTREAM_DISCOVERY/,
      );
      expect(() => loadGatewayConfig({ ...base, UPSTREAM_RESOLVE_INTERVAL_MS: '10' })).toThrow(
        /UPSTREAM_RESOLVE_INTERVAL_MS/,
      );
    });
  });
});
