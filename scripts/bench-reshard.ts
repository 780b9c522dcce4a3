/**
 * `npm run bench:reshard -- [--duration S] [--at S] [--connections C] [--help]`: on a private stack, runs
 * `npm run load -- mixed` (browsing, sign-ups, purchases) and, `--at` seconds in, splits 90-ff at
 * c0 for every service, one after the other, then completes each. Prints each service's write pause, rows copied and
 * verify result, the requests failed by status, the throughput before / during / after the
 * splits, and the purchase invariants over the layout in force afterwards (docs/resharding.md).
 */
import { parseArgs } from 'node:util';
import { ControlStore, ReshardJob } from '@boxoffice/reshard';
import { SERVICE_NAMES } from '@boxoffice/runtime';
import { databaseOf } from '@boxoffice/sharding';
import { topologyResharder } from './lib/topology-resharder';
import { runLoadCommand } from './load/load-command';
import { parseLoadArgs } from './load/options';
import { startStack } from './stack/start-stack';
import type { LoadResult } from './load/load-result';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const USAGE = `usage: npm run bench:reshard -- [--duration S] [--at S] [--connections C]
  --duration S      seconds of npm run load -- mixed (default 40)
  --at S            seconds into the run when the splits start (default 15)
  --connections C   the load's concurrent connections (default 8)
  smallest run: --duration 25 --at 8 --connections 4`;

/** Mean requests per second of the timeline's seconds in [from, to). */
function rate(result: LoadResult, from: number, to: number): string {
  const points = result.timeline.filter((p) => p.second >= from && p.second < to);
  if (points.length === 0) return '–';
  return `${Math.round(points.reduce((sum, p) => sum + p.requests, 0) / points.length)} req/s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '40' },
      at: { type: 'string', default: '15' },
      connections: { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const duration = Number(values.duration);
  const at = Number(values.at);
  if (!(duration > 0 && at >= 0 && at < duration && Number(values.connections) >= 1)) {
    throw new Error(`need 0 ≤ --at < --duration and --connections ≥ 1\n${USAGE}`);
  }

  console.log('starting a private stack…');
  const stack = await startStack();
  const store = new ControlStore(stack.topology.shardMapUrl);
  const prefix = databaseOf(stack.topology.shardMapUrl).replace(/boxoffice_control$/, '');
  try {
    const jobs: ReshardJob[] = [];
    const resharder = topologyResharder(stack.topology, store, { print: (line) => console.log(`  ${line}`) });
    const options = parseLoadArgs([
      'mixed',
      '--target',
      stack.gatewayUrl,
      '--services',
      Object.values(stack.serviceUrls).join(','),
      '--duration',
      String(duration),
      '--connections',
      String(values.connections),
      '--no-progress',
      '--label',
      'reshard',
    ])!;
    const window = { start: 0, end: 0 };
    const splits = (async () => {
      await sleep(at * 1000);
      window.start = Date.now();
      for (const service of SERVICE_NAMES)
        jobs.push(await resharder.split(service, { lo: 0x90, hi: 0xff }, 0xc0));
      window.end = Date.now();
      // Finished for real: the moved rows leave the old shards (the invariant check at the end of
      // the run reads whole databases, and would count them twice).
      for (const service of SERVICE_NAMES) await resharder.complete(service);
    })();
    const [result] = await runLoadCommand(options, (line) => console.log(line), {
      ...process.env,
      DB_PREFIX: prefix,
    });
    await splits;
    const r = result!;
    const t0 = Date.parse(r.startedAt);
    const [from, to] = [(window.start - t0) / 1000, (window.end - t0) / 1000];
    const pauses = jobs.map((j) => j.pauseMs ?? 0).sort((a, b) => a - b);
    console.log(`
reshard under load: every service split 90-ff at c0, ${((window.end - window.start) / 1000).toFixed(1)} s from ${from.toFixed(1)} s into the run
  write pause (fence to published map): ${jobs.map((j) => `${j.service} ${j.pauseMs} ms`).join(', ')}; p50 ${pauses[Math.floor((pauses.length - 1) / 2)]} ms, max ${pauses.at(-1)} ms
  rows copied: ${jobs.map((j) => `${j.service} ${j.rowsCopied}`).join(', ')}
  verify: ${jobs.map((j) => `${j.service} ${j.verify?.rows ?? 0} rows, ${j.verify?.differences.length ?? 0} differences`).join('; ')}
  requests: ${r.requests.total}, failed by status: ${JSON.stringify(r.errorsByStatus)}
  throughput: before ${rate(r, 0, Math.floor(from))}, during ${rate(r, Math.floor(from), Math.ceil(to))}, after ${rate(r, Math.ceil(to), Infinity)}
  invariants afterwards (over the published maps): ${r.invariants?.checked ? `${r.invariants.violations.length} violations` : `not checked (${r.invariants?.note ?? 'no result'})`}`);
  } finally {
    await store.close();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:reshard: ${err.message}`);
  process.exit(1);
});
