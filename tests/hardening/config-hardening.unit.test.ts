import request from 'supertest';
import { createApp, createLogger, createMetricsRegistry, loadConfig } from '@boxoffice/platform';
import { platformEnvSchema, serviceEnvSchema } from '@boxoffice/runtime';
import { loadGatewayConfig } from '../../gateway/src';

/** The development key the README documents. */
const DOCUMENTED_KEY = 'dev-internal-key-change-me-0000';
const OWN_KEY = 'my-own-internal-key-0123456789';
const OWN_SESSION_KEY = 'my-own-session-key-0123456789-0123456789';

/** The documented internal key is a laptop key. */
describe('the internal key in production', () => {
  test('when NODE_ENV=production and INTERNAL_KEYS is left at the documented default, then a service refuses to start naming INTERNAL_KEYS', () => {
    expect(() => loadConfig(serviceEnvSchema(7101), { NODE_ENV: 'production' })).toThrow(
      /INTERNAL_KEYS: set your own keys in production/,
    );
  });

  test('when NODE_ENV=production and the documented key is still listed as an old key, then it is refused too', () => {
    expect(() =>
      loadConfig(platformEnvSchema, {
        NODE_ENV: 'production',
        INTERNAL_KEYS: `${OWN_KEY},${DOCUMENTED_KEY}`,
      }),
    ).toThrow(/INTERNAL_KEYS/);
  });

  test('when NODE_ENV=production and the gateway keeps the documented internal key, then the gateway refuses too', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', SESSION_KEYS: OWN_SESSION_KEY })).toThrow(
      /INTERNAL_KEYS/,
    );
  });

  test('when NODE_ENV=production with own keys, or in development with the default, then the config loads', () => {
    expect(
      loadConfig(platformEnvSchema, { NODE_ENV: 'production', INTERNAL_KEYS: OWN_KEY }).INTERNAL_KEYS,
    ).toEqual([OWN_KEY]);
    expect(loadConfig(platformEnvSchema, {}).INTERNAL_KEYS).toEqual([DOCUMENTED_KEY]);
  });
});

/** DB_PREFIX alone must isolate Redis as well as Postgres. */
describe('the Redis key prefix', () => {
  test('when two stacks set different DB_PREFIX and no KEY_PREFIX, then their Redis key prefixes differ', () => {
    const a = loadConfig(platformEnvSchema, { DB_PREFIX: 'stack_a_' });
    const b = loadConfig(platformEnvSchema, { DB_PREFIX: 'stack_b_' });
    expect(a.KEY_PREFIX).toBe('bo:stack_a_:');
    expect(b.KEY_PREFIX).toBe('bo:stack_b_:');
  });

  test('when neither is set, then the prefix stays bo: (the default stack and docker compose are unchanged)', () => {
    expect(loadConfig(platformEnvSchema, {}).KEY_PREFIX).toBe('bo:');
  });

  test('when KEY_PREFIX is set, then it wins over the derived one, in services and the gateway alike', () => {
    expect(loadConfig(serviceEnvSchema(7101), { DB_PREFIX: 'x_', KEY_PREFIX: 'mine:' }).KEY_PREFIX).toBe(
      'mine:',
    );
    expect(loadGatewayConfig({ DB_PREFIX: 'x_' }).env.KEY_PREFIX).toBe('bo:x_:');
  });
});

/** Forwarding headers count only from proxies the operator named. */
describe('TRUST_PROXY', () => {
  const clientIpSeenBy = async (trustProxy: string | undefined) => {
    const config = loadGatewayConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy });
    const app = createApp({
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetricsRegistry('test'),
      readiness: {},
      trustProxy: config.env.TRUST_PROXY,
      routes: (a) => a.get('/ip', (req, res) => void res.json({ ip: req.ip })),
    });
    const res = await request(app).get('/ip').set('x-forwarded-for', '203.0.113.7');
    return res.body.ip as string;
  };

  test('when TRUST_PROXY is not set, then a client-sent X-Forwarded-For is ignored', async () => {
    expect(await clientIpSeenBy(undefined)).not.toBe('203.0.113.7');
  });

  test('when TRUST_PROXY names the proxy (loopback here), then its X-Forwarded-For is the client address', async () => {
    expect(await clientIpSeenBy('loopback')).toBe('203.0.113.7');
    expect(await clientIpSeenBy('1')).toBe('203.0.113.7');
  });

  test('when TRUST_PROXY is not an address, range, name or hop count, then the gateway refuses it naming the variable', () => {
    expect(() => loadGatewayConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY: not an address/);
  });
});
