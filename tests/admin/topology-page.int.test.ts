/**
 * The topology page in a real browser (headless Chromium driven by playwright-core, from
 * scripts/lib/browser.ts: the system's, else the one npm ci installed) on a real
 * stack: two instances of each service, as `INSTANCES=2 npm start` runs it. It checks that
 * every instance, shard, cache and topic is drawn, that a burst of requests moves the figures
 * (spread over both events instances), and that a killed instance is marked down with what the
 * gateway does about it: first one of two (the other takes its requests), then the last one
 * (its routes answer 503); and that a split of users is drawn while it is stopped, once switched
 * and after its abort. Screenshots go to results/ (docs/images/topology.png is one of them).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildAdminUi } from '../../gateway/admin-ui/build-admin-ui';
import { topologySchema } from '../../gateway/src';
import { launchChromium, REPO_ROOT } from '@boxoffice/devstack';
import { ReshardError } from '@boxoffice/reshard';
import { TEST_PG_URL, TestStack, callerHeaders, signUp, startTestStack, uniqueEmail } from '../support';
import { resharderFor, seedUsers, sql } from '../reshard/reshard-kit';

const RESULTS = join(REPO_ROOT, 'results');
/** Every wait on the page is bounded; generous, for a loaded CI machine. */
const WAIT_MS = 30_000;

/** The test Postgres URL with a password in it (trust auth ignores it), so the page can be checked for leaks. */
function withPassword(url: string): { url: string; password: string } {
  const parsed = new URL(url);
  if (parsed.password) return { url, password: decodeURIComponent(parsed.password) };
  parsed.password = 'pg-pass-never-shown';
  return { url: parsed.toString(), password: 'pg-pass-never-shown' };
}

const pg = withPassword(TEST_PG_URL);
let stack: TestStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildAdminUi({ ifNeeded: true });
  // Pools of 2 (the smallest a service works with): six processes, and the users split below
  // adds a shard to two of them, on a Postgres server other test files share (100 connections).
  stack = await startTestStack({ instances: 2, env: { PG_URL: pg.url, DB_POOL_MAX: '2' } });
  browser = await launchChromium();
  page = await watchedPage();
  await page.goto(`${stack.gatewayUrl}/admin`);
}, 240_000);

/** What a page reported: console errors, uncaught errors, and Content-Security-Policy violations. */
const reports = new Map<Page, string[]>();

/**
 * A new page that records every console error, uncaught error and CSP violation (the
 * `securitypolicyviolation` event, listened for before any of the page's own scripts run).
 */
async function watchedPage(): Promise<Page> {
  const watched = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const seen: string[] = [];
  reports.set(watched, seen);
  watched.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console: ${message.text()}`);
  });
  watched.on('pageerror', (err) => seen.push(`error: ${err.message}`));
  await watched.exposeFunction('reportViolation', (text: string) => seen.push(`csp: ${text}`));
  await watched.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));`,
  );
  return watched;
}

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * Polls `check` every 200 ms until it holds. Not page.waitForFunction: that evaluates its
 * predicate in the page, which the page's Content-Security-Policy (no eval) rightly refuses.
 */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Figure number `index` (0: the first) of every element matching `cards`, as numbers; NaN for "–". */
async function figuresOf(cards: string, index: number): Promise<number[]> {
  const all = page.locator(cards);
  const figures: number[] = [];
  for (let i = 0; i < (await all.count()); i++) {
    const texts = await all.nth(i).locator('.fig b').allTextContents();
    figures.push(parseFloat(texts[index] ?? ''));
  }
  return figures;
}

/** The first figure of an element (e.g. req/s), as a number; NaN for "–". */
async function figure(selector: string): Promise<number> {
  const text = await page.locator(`${selector} .fig b`).first().textContent();
  const value = parseFloat(text ?? '');
  return text?.endsWith('k') ? value * 1000 : value;
}

describe('the topology page (/admin)', () => {
  test('when it opens, then every service, instance and shard is drawn up, with the bus', async () => {
    await until(
      'six instances up',
      async () => (await page.locator('[data-instance][data-state="up"]').count()) === 6,
    );
    for (const service of ['users', 'events', 'tickets']) {
      await page.locator(`[data-service="${service}"]`).waitFor();
      const urls = stack.processes.filter((p) => p.role === service).map((p) => p.url);
      expect(urls).toHaveLength(2);
      for (const url of urls) await page.locator(`[data-instance="${url}"][data-state="up"]`).waitFor();
      for (const shard of ['0_2', '3_5', '6_8', '9_f']) {
        await page
          .locator(`[data-shard="${service}_${shard}"][data-state="up"]`)
          .waitFor({ timeout: WAIT_MS });
      }
      await page.locator(`[data-cache="${service}"]`).waitFor();
    }
    await page.locator('[data-bus][data-state="up"]').waitFor();
    // The stack's bus (BUS_URL=amqp://… npx jest this file draws it on RabbitMQ).
    const rabbit = /^amqps?:/.test(stack.env.topology.busUrl);
    expect(await page.locator('[data-bus]').getAttribute('data-kind')).toBe(rabbit ? 'rabbitmq' : 'redis');
    expect(await page.locator('[data-bus] h2').textContent()).toContain(
      rabbit ? 'RabbitMQ' : 'Redis Streams',
    );
    for (const topic of ['orders', 'seats', 'tickets', 'order-outcomes']) {
      await page.locator(`[data-topic="${topic}"]`).waitFor();
    }
  });

  test('when it has run under its Content-Security-Policy, then no violation, console error or page error was reported', async () => {
    await page.locator('[data-bus]').waitFor();
    const csp = (await page.request.get(`${stack.gatewayUrl}/admin`)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(reports.get(page)).toEqual([]);
  });

  test('when a burst of requests runs, then the request and query figures move', async () => {
    const before = await figure('[data-gateway]');
    expect(Number.isNaN(before) || before <= 1).toBe(true); // only the page's own loads so far
    let stop = false;
    const burst = (async () => {
      let n = 0;
      while (!stop && n < 400) {
        n++;
        await (n % 10 === 0
          ? signUp(stack.gatewayUrl, { email: uniqueEmail('topology') })
          : fetch(`${stack.gatewayUrl}/api/events?limit=5`).then((r) => r.arrayBuffer()));
      }
    })();
    try {
      // The gateway's req/s above 1 and some events shard's q/s above 0 (the page's first figures).
      await until(
        'gateway req/s above 1 and some events shard q/s above 0',
        async () =>
          (await figure('[data-gateway]')) > 1 &&
          (await figuresOf('[data-service="events"] [data-shard]', 0)).some((q) => q > 0),
      );
      // Both events instances answer a share of the listing (the gateway round-robins).
      await until(
        'both events instances serving',
        async () =>
          (await figuresOf('[data-service="events"] [data-instance]', 0)).filter((r) => r > 0).length === 2,
      );
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, 'topology.png'), fullPage: true });
    } finally {
      stop = true;
      await burst;
    }
    // Postgres's row statistics follow within seconds (an idle backend flushes them within 10 s).
    // Some users shard's rows figure (its second) above 1: the boxoffice_shard row plus new users.
    await until('some users shard with more than one row', async () =>
      (await figuresOf('[data-service="users"] [data-shard]', 1)).some((rows) => rows > 1),
    );
  });

  test('when users is split, then its card shows the phase, the lag and the new shards, and each instance its map version', async () => {
    await seedUsers(stack.env, 112); // 64 of them in c0-ff
    const stopped = await resharderFor(stack.env, {
      afterPhase: async (_job, done) => {
        if (done === 'copy') throw new ReshardError('stopped');
      },
    });
    const resumer = await resharderFor(stack.env);
    try {
      await expect(stopped.resharder.split('users', { lo: 0x90, hi: 0xff }, 0xc0)).rejects.toThrow('stopped');
      const [changed] = await sql<{ n: number }>(
        stack.env,
        'users_9_f',
        `with c as (update users set display_name = 'Moving' where id >= 'c0000000-0000-0000-0000-000000000000' returning 1)
         select count(*)::int as n from c`,
      );
      const card = '[data-reshard="users"][data-phase="catch-up"][data-running="false"]';
      await until(
        `the users card stopped before the catch-up with ${changed!.n} changes waiting`,
        async () => (await page.locator(`${card} [data-lag="${changed!.n}"]`).count()) === 1,
      );
      expect(await page.locator(card).textContent()).toContain(`${stack.env.prefix}users_c_f`);
      expect(await page.locator('[data-service="users"] [data-map-version="0"]').count()).toBe(2);
      await page.screenshot({ path: join(RESULTS, 'topology-reshard.png'), fullPage: true });

      await resumer.resharder.resume('users');
      await until(
        'the new shard drawn up and both users instances on map version 1',
        async () =>
          (await page.locator('[data-shard="users_c_f"][data-state="up"] [data-role="target"]').count()) ===
            1 && (await page.locator('[data-service="users"] [data-map-version="1"]').count()) === 2,
      );
      await resumer.resharder.abort('users');
      await until(
        'no card, and both users instances on map version 2 (the old layout again)',
        async () =>
          (await page.locator('[data-reshard]').count()) === 0 &&
          (await page.locator('[data-service="users"] [data-map-version="2"]').count()) === 2,
      );
    } finally {
      await Promise.all([stopped.store.close(), resumer.store.close()]);
    }
  });

  test('when one of two instances is killed, then it is drawn down and the other takes its requests', async () => {
    const victim = stack.process('events-1');
    await stack.kill('events-1');
    const card = page.locator(`[data-instance="${victim.url}"][data-state="down"]`);
    await card.waitFor({ timeout: WAIT_MS });
    expect(await card.locator('.effect').textContent()).toMatch(/1 other instance takes its requests/);
    await page.locator(`[data-instance="${stack.process('events-2').url}"][data-state="up"]`).waitFor();
    // The service as a whole still answers: one instance is enough.
    expect((await fetch(`${stack.gatewayUrl}/api/events?limit=1`)).status).toBe(200);
  });

  test('when the last instance is killed too, then the service is drawn down with what the gateway does', async () => {
    await stack.kill('events-2');
    const service = page.locator('[data-service="events"][data-state="down"]');
    await service.waitFor({ timeout: WAIT_MS });
    expect(await service.locator('.effect').first().textContent()).toMatch(
      /\/api\/events: 503 service_unavailable/,
    );
    await page.screenshot({ path: join(RESULTS, 'topology-instance-down.png'), fullPage: true });
  });

  test('when its JSON and the stats it is built from are read, then they match the schema and hold no password', async () => {
    await stack.restart('events-1');
    await stack.restart('events-2');
    const text = await (await fetch(`${stack.gatewayUrl}/admin/api/topology`)).text();
    topologySchema.parse(JSON.parse(text));
    const stats = await (
      await fetch(`${stack.process('users-1').url}/internal/stats?include=shards,bus`, {
        headers: callerHeaders(),
      })
    ).text();
    for (const body of [text, stats]) {
      expect(body).not.toContain(pg.password);
      expect(body).not.toContain(stack.env.env.INTERNAL_KEYS!);
      expect(body).not.toContain(stack.env.env.SESSION_KEYS!);
    }
    expect(JSON.parse(stats).shards).toHaveLength(4);
  });

  test('when /internal/stats is asked for an unknown part, then it is a 400 naming the parameter', async () => {
    const res = await fetch(`${stack.process('users-1').url}/internal/stats?include=secrets`, {
      headers: callerHeaders(),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(JSON.stringify(body)).toMatch(/include/);
  });
});

describe('the API docs page (/api/docs) under the Content-Security-Policy', () => {
  test('when it opens in Chromium, then Swagger UI draws the operations and nothing is blocked or fails', async () => {
    const docs = await watchedPage();
    try {
      const response = await docs.goto(`${stack.gatewayUrl}/api/docs`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await docs.locator('.swagger-ui .opblock').first().waitFor({ timeout: WAIT_MS });
      expect(await docs.locator('.swagger-ui .opblock').count()).toBeGreaterThan(5);
      expect(reports.get(docs)).toEqual([]);
    } finally {
      await docs.close();
    }
  });
});

describe('security headers on the gateway', () => {
  test.each(['/admin', '/api/docs', '/api/openapi.json', '/api/sessions'])(
    'when %s is asked, then the answer forbids framing, sniffing and foreign scripts',
    async (path) => {
      const res = await fetch(`${stack.gatewayUrl}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      // Plain HTTP here (SESSION_COOKIE_SECURE off): no HSTS, which would point browsers at HTTPS.
      expect(res.headers.get('strict-transport-security')).toBeNull();
    },
  );
});
