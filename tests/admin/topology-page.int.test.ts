/**
 * The topology page in a real browser (Debian's Chromium driven by playwright-core) on a real
 * stack: two instances of each service, as `INSTANCES=2 npm start` runs it. It checks that
 * every instance, shard, cache and topic is drawn, that a burst of requests moves the figures
 * (spread over both events instances), and that a killed instance is marked down with what the
 * gateway does about it: first one of two (the other takes its requests), then the last one
 * (its routes answer 503). Screenshots go to results/ (docs/images/topology.png is one of them).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { buildAdminUi } from '../../gateway/admin-ui/build-admin-ui';
import { topologySchema } from '../../gateway/src';
import { REPO_ROOT } from '../../scripts/lib/process-stack';
import { TEST_PG_URL, TestStack, callerHeaders, signUp, startTestStack, uniqueEmail } from '../support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install chromium (CI runs .ci/chromium.sh), or set CHROMIUM_PATH`,
    );
  }
  await buildAdminUi({ ifNeeded: true });
  stack = await startTestStack({ instances: 2, env: { PG_URL: pg.url } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await page.goto(`${stack.gatewayUrl}/admin`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The first figure of an element (e.g. req/s), as a number; NaN for "–". */
async function figure(selector: string): Promise<number> {
  const text = await page.locator(`${selector} .fig b`).first().textContent();
  const value = parseFloat(text ?? '');
  return text?.endsWith('k') ? value * 1000 : value;
}

describe('the topology page (/admin)', () => {
  test('when it opens, then every service, instance and shard is drawn up, with the bus', async () => {
    await page.waitForFunction(
      `document.querySelectorAll('[data-instance][data-state="up"]').length === 6`,
      null,
      {
        timeout: WAIT_MS,
      },
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
      await page.waitForFunction(
        `parseFloat(document.querySelector('[data-gateway] .fig b')?.textContent ?? '') > 1 &&
         [...document.querySelectorAll('[data-service="events"] [data-shard]')].some(
           (card) => parseFloat(card.querySelector('.fig b')?.textContent ?? '') > 0)`,
        null,
        { timeout: WAIT_MS },
      );
      // Both events instances answer a share of the listing (the gateway round-robins).
      await page.waitForFunction(
        `[...document.querySelectorAll('[data-service="events"] [data-instance]')].filter(
           (card) => parseFloat(card.querySelector('.fig b')?.textContent ?? '') > 0).length === 2`,
        null,
        { timeout: WAIT_MS },
      );
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, 'topology.png'), fullPage: true });
    } finally {
      stop = true;
      await burst;
    }
    // Postgres's row statistics follow within seconds (an idle backend flushes them within 10 s).
    // Some users shard's rows figure (its second) above 1: the boxoffice_shard row plus new users.
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-service="users"] [data-shard]')].some(
         (card) => parseFloat(card.querySelectorAll('.fig b')[1]?.textContent ?? '') > 1)`,
      null,
      { timeout: WAIT_MS },
    );
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
