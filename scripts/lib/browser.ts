import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../stack/processes';

const run = promisify(execFile);

/**
 * Headless Chromium for the topology page's browser test and `npm run admin:screenshot`, with no
 * browser download at run time. The first of:
 * 1. `CHROMIUM_PATH`, when set (it must exist);
 * 2. the system's Chromium (`/usr/bin/chromium`, Debian's package; `/usr/bin/chromium-browser`);
 * 3. the one `npm ci` installed: the devDependency `@sparticuz/chromium` ships a headless Chromium
 *    (Brotli-compressed, ~67 MB) in the package itself. Unpacked into the temp folder on first
 *    use, with the few libraries it needs beyond glibc (NSS, NSPR, expat) from the same package,
 *    so it runs on a bare Linux x86-64 machine.
 */
export interface BrowserChoice {
  executablePath: string;
  /** Extra environment for the browser process (the packaged browser's library folder). */
  env: Record<string, string>;
  /** Where it came from, for messages. */
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The flags every launch here uses: no sandbox (root in CI), and nothing that calls the network. */
const ARGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/**
 * Unpacks @sparticuz/chromium in a Node process of its own: it is an ES module, which a test
 * runner's module system may not load. Prints the browser's path and its library folder.
 */
const UNPACK = `
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import chromium, { inflate } from '@sparticuz/chromium';
const bin = join(dirname(createRequire(process.cwd() + '/').resolve('@sparticuz/chromium')), '..', 'bin');
const executablePath = await chromium.executablePath();
const libraries = await inflate(join(bin, 'al2023.tar.br'));
process.stdout.write(JSON.stringify({ executablePath, libraries: join(libraries, 'lib') }));
`;

async function packagedChromium(): Promise<BrowserChoice> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', UNPACK], {
    cwd: REPO_ROOT,
    timeout: 120_000,
  });
  const { executablePath, libraries } = JSON.parse(stdout) as { executablePath: string; libraries: string };
  return { executablePath, env: { LD_LIBRARY_PATH: libraries }, source: '@sparticuz/chromium' };
}

/**
 * Which Chromium to run (see BrowserChoice); `systemPaths` are where a system one is looked for.
 * Throws only when CHROMIUM_PATH names nothing.
 */
export async function chooseChromium(
  env: NodeJS.ProcessEnv = process.env,
  systemPaths: readonly string[] = SYSTEM_CHROMIUM,
): Promise<BrowserChoice> {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured}: no such file`);
    return { executablePath: configured, env: {}, source: 'CHROMIUM_PATH' };
  }
  const system = systemPaths.find((path) => existsSync(path));
  if (system) return { executablePath: system, env: {}, source: 'system' };
  return packagedChromium();
}

/** A headless Chromium (by default chooseChromium's), driven by playwright-core. */
export async function launchChromium(choice?: BrowserChoice): Promise<Browser> {
  choice ??= await chooseChromium();
  // Loaded here, not with the module: most importers of this package never drive a browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: choice.executablePath,
    env: { ...process.env, ...choice.env } as Record<string, string>,
    args: ARGS,
  });
}
