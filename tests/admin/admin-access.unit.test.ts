import request from 'supertest';
import { ADMIN_COOKIE, ADMIN_KEY_HEADER, adminCookieValue, loadGatewayConfig } from '../../gateway/src';
import { gatewayApp } from './admin-fixtures';

const KEY = 'admin-key-for-tests-0123456789';
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };
const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_KEYS: 'production-session-key-0123456789abcdef',
  INTERNAL_KEYS: 'production-internal-key-0123456789abcdef',
};

describe('who may open /admin', () => {
  let closers: (() => Promise<unknown>)[] = [];
  const appWith = (env: Record<string, string>, uiDir?: string) => {
    const built = gatewayApp(env, uiDir);
    closers.push(built.close);
    return built.app;
  };
  afterEach(async () => {
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });

  describe('without ADMIN_KEY', () => {
    test('when the client is on this machine, then the page and its JSON answer', async () => {
      const app = appWith({});
      const page = await request(app).get('/admin').expect(200);
      expect(page.text).toContain('<title>topology</title>');
      await request(app).get('/admin/').expect(200);
      await request(app).get('/admin/assets/page-abc123.js').expect(200);
      await request(app).get('/admin/api/topology').expect(200);
    });

    test('when the client is elsewhere, then it is refused with 403', async () => {
      const app = appWith({});
      for (const path of ['/admin', '/admin/api/topology', '/admin/assets/page-abc123.js']) {
        const res = await request(app).get(path).set(REMOTE);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
        expect(res.body.error.message).toMatch(/ADMIN_KEY/);
      }
    });

    test('when NODE_ENV=production, then the page is off (404) even on localhost', async () => {
      const app = appWith(PRODUCTION);
      for (const path of ['/admin', '/admin/api/topology']) {
        const res = await request(app).get(path);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });
  });

  describe('with ADMIN_KEY', () => {
    test('when the x-admin-key header holds the key, then it answers from anywhere, production too', async () => {
      const app = appWith({ ...PRODUCTION, ADMIN_KEY: KEY });
      await request(app).get('/admin/api/topology').set(REMOTE).set(ADMIN_KEY_HEADER, KEY).expect(200);
    });

    test('when the key is missing, wrong, or absurdly long, then it is 401, on localhost too', async () => {
      const app = appWith({ ADMIN_KEY: KEY });
      const attempts = [
        request(app).get('/admin/api/topology'),
        request(app).get('/admin'),
        request(app).get('/admin/api/topology').set(ADMIN_KEY_HEADER, `${KEY}x`),
        request(app).get('/admin/api/topology').set(ADMIN_KEY_HEADER, ''),
        request(app).get('/admin/api/topology').set(ADMIN_KEY_HEADER, 'k'.repeat(600)),
        request(app).get('/admin/api/topology').set('cookie', `${ADMIN_COOKIE}=${KEY}`),
        request(app)
          .get('/admin/api/topology')
          .set('cookie', `${ADMIN_COOKIE}=${adminCookieValue('some-other-key-0123456789')}`),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
        expect(res.text).not.toContain(KEY);
      }
    });

    test('when ?key= holds the key, then a 303 to the bare page sets an HttpOnly cookie that opens it', async () => {
      const app = appWith({ ADMIN_KEY: KEY });
      const res = await request(app).get(`/admin?key=${KEY}`).set(REMOTE).expect(303);
      expect(res.headers.location).toBe('/admin');
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(new RegExp(`^${ADMIN_COOKIE}=`));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/admin/);
      expect(cookie).not.toContain(KEY);
      const pair = cookie.split(';')[0]!;
      await request(app).get('/admin').set(REMOTE).set('cookie', pair).expect(200);
      await request(app).get('/admin/api/topology').set(REMOTE).set('cookie', pair).expect(200);
    });

    test('when ?key= is wrong or given twice, then it is 401 and no cookie is set', async () => {
      const app = appWith({ ADMIN_KEY: KEY });
      for (const query of ['key=nope', `key=${KEY}&key=${KEY}`]) {
        const res = await request(app).get(`/admin?${query}`);
        expect(res.status).toBe(401);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });
  });

  test('when ADMIN_KEY is shorter than 16 characters, then the configuration names it', () => {
    expect(() => loadGatewayConfig({ ADMIN_KEY: 'short' })).toThrow(/ADMIN_KEY/);
  });

  test('when a path tries to climb out of the page folder, then it is a 404', async () => {
    const app = appWith({});
    for (const path of [
      '/admin/assets/../../package.json',
      '/admin/assets/%2e%2e/%2e%2e/package.json',
      '/admin/assets/nope.js',
    ]) {
      const res = await request(app).get(path);
      expect(res.status).toBe(404);
    }
  });

  test('when the page is not built, then /admin says how to build it and the JSON still answers', async () => {
    const app = appWith({}, '/nonexistent-admin-ui');
    const res = await request(app).get('/admin').expect(503);
    expect(res.body.error.message).toMatch(/npm run build:admin/);
    await request(app).get('/admin/api/topology').expect(200);
  });
});
