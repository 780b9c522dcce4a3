import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ControlStore } from '@boxoffice/reshard';
import { checkInvariantsWhenQuiet } from '@boxoffice/devstack';
import { TestEnv, createTestEnv } from '../support';
import { NpmStart, freePortBase, runNpmStart } from '../support/npm-start-kit';
import { buyWhile, eventsToBuy, latencyLine } from './reshard-kit';

const ROOT = join(__dirname, '../..');

/**
 * What a reader does: `npm start`, then `npm run reshard -- all split 90-ff at c0` while buyers
 * buy, then `all abort`; each service goes to five shards and back to four with no failed
 * request, and the purchase invariants hold over the layout in force at the end.
 */
describe('npm run reshard against npm start', () => {
  let env: TestEnv;
  let run: NpmStart;
  let gatewayUrl: string;

  beforeAll(async () => {
    env = await createTestEnv({ migrate: false });
    const base = await freePortBase();
    run = runNpmStart(env.env, base);
    await run.waitFor(/Boxoffice is up/);
    gatewayUrl = `http://127.0.0.1:${base}`;
  });

  afterAll(async () => {
    run?.child.kill('SIGINT');
    await run?.exited;
    await env?.cleanup();
  });

  const reshard = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'npm',
        ['run', '-s', 'reshard', '--', ...args],
        { cwd: ROOT, env: { ...process.env, ...env.env } },
        (err, stdout, stderr) => (err ? reject(new Error(`${stdout}${stderr}`)) : resolve(stdout)),
      );
    });

  test('when every service is split under purchases and then aborted, then no request fails and the invariants hold', async () => {
    const events = await eventsToBuy(gatewayUrl);
    let splitOut = '';
    let abortOut = '';
    const { acked, failed, took } = await buyWhile(gatewayUrl, events, async () => {
      splitOut = await reshard(['all', 'split', '90-ff', 'at', 'c0']);
      abortOut = await reshard(['all', 'abort']);
    });
    if (process.env.RESHARD_REPORT) {
      process.stdout.write(
        `${splitOut}${abortOut}orders: ${acked.length} answered, ${failed.length} failed; latency ${latencyLine(took)}\n`,
      );
    }
    expect(failed).toEqual([]);
    for (const service of ['users', 'events', 'tickets']) {
      expect(splitOut).toContain(`${service}: done: 5 shards at map version 1`);
      expect(abortOut).toContain(`${service}: abort: back on 4 shards`);
    }

    const store = new ControlStore(env.topology.shardMapUrl);
    try {
      expect((await store.latest('tickets'))!.shards.map((s) => s.name)).toEqual([
        '0_2',
        '3_5',
        '6_8',
        '9_f',
      ]);
    } finally {
      await store.close();
    }
    // Over the layout in force: the published maps replace the topology's own.
    const report = await checkInvariantsWhenQuiet(env.topology, 30_000);
    expect(report.violations).toEqual([]);
    expect(report.counts.orders).toBe(acked.length);
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);
  });
});
