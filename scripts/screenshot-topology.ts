/**
 * `npm run admin:screenshot`: a picture of the live topology page (docs/topology-page.md) of a
 * running stack, taken with Debian's Chromium through playwright-core. Run it while a load test
 * runs to see the system move:
 *
 *   INSTANCES=2 npm start                       # terminal 1
 *   npm run load -- mixed --duration 30         # terminal 2
 *   npm run admin:screenshot -- --after 15      # terminal 3: waits 15 s, then the picture
 *
 * Options: --target URL (default http://127.0.0.1:8080), --out FILE (default
 * results/topology-<time>.png), --after S (seconds to wait before the picture, default 5),
 * --key KEY (the gateway's ADMIN_KEY, when it has one; also ADMIN_KEY from the environment).
 * Only loopback targets: the page is for your own stack.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from './lib/browser';
import { REPO_ROOT } from './stack/processes';
import { assertLoopbackTargets } from './load/options';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      out: { type: 'string' },
      after: { type: 'string', default: '5' },
      key: { type: 'string' },
    },
  });
  const after = Number(values.after);
  if (!Number.isFinite(after) || after < 0 || after > 600) throw new Error('--after takes 0 to 600 seconds');
  assertLoopbackTargets([values.target], false);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const out = values.out ?? join(REPO_ROOT, 'results', `topology-${stamp}.png`);
  const key = values.key ?? process.env.ADMIN_KEY;

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({
      viewport: { width: 1500, height: 1000 },
      extraHTTPHeaders: key ? { 'x-admin-key': key } : {},
    });
    const res = await page.goto(`${values.target}/admin`);
    if (!res || res.status() !== 200) throw new Error(`${values.target}/admin answered ${res?.status()}`);
    // The first poll fills the figures in; then whatever the run asked for.
    await page.locator('[data-instance]').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(after * 1000);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`topology page of ${values.target}: ${out}`);
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(`admin:screenshot: ${err.message}`);
  process.exit(1);
});
