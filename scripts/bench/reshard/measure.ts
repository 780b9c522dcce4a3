/**
 * The experiment of `npm run bench:reshard` (and the lab's `reshard`): on a private stack, the
 * mixed load scenario runs while every service's range 90-ff is split at c0 and completed.
 * Prints what it measured through `options.log` and returns the figures.
 */
import { ControlStore, ReshardJob } from '@boxoffice/reshard';
import { SERVICE_NAMES } from '@boxoffice/runtime';
import { databaseOf } from '@boxoffice/sharding';
import { topologyResharder } from '../../lib/topology-resharder';
import { runLoadCommand } from '../../load/load-command';
import type { LoadResult } from '../../load/load-result';
import { parseLoadArgs } from '../../load/options';
import { startStack } from '../../stack/start-stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReshardBenchOptions {
  /** Seconds of load. */
  duration: number;
  /** Seconds into the load when the splits start. */
  at: number;
  connections: number;
  /** Where the load run's JSON + HTML go. */
  out: string;
  log: (line: string) => void;
}

/** What a run measured: each service's split, the load run, and its throughput around the splits. */
export interface ReshardBenchResult {
  jobs: ReshardJob[];
  load: LoadResult;
  /** When the splits ran, in seconds since the load started. */
  window: { from: number; to: number };
  /** Mean requests/s before, during and after the splits (NaN where no second fell in). */
  rate: { before: number; during: number; after: number };
}

/** Mean requests per second of the timeline's seconds in [from, to); NaN if none. */
function meanRate(result: LoadResult, from: number, to: number): number {
  const points = result.timeline.filter((p) => p.second >= from && p.second < to);
  return points.length === 0 ? NaN : points.reduce((sum, p) => sum + p.requests, 0) / points.length;
}

const shown = (n: number) => (Number.isNaN(n) ? '–' : `${Math.round(n)} req/s`);

export async function runReshardBench(o: ReshardBenchOptions): Promise<ReshardBenchResult> {
  if (!(o.duration > 0 && o.at >= 0 && o.at < o.duration)) throw new Error('need 0 ≤ --at < --duration');
  o.log('starting a private stack…');
  const stack = await startStack();
  const store = new ControlStore(stack.topology.shardMapUrl);
  const prefix = databaseOf(stack.topology.shardMapUrl).replace(/boxoffice_control$/, '');
  try {
    const jobs: ReshardJob[] = [];
    const resharder = topologyResharder(stack.topology, store, { print: (line) => o.log(`  ${line}`) });
    const options = parseLoadArgs([
      'mixed',
      '--target',
      stack.gatewayUrl,
      '--services',
      Object.values(stack.serviceUrls).join(','),
      '--duration',
      String(o.duration),
      '--connections',
      String(o.connections),
      '--no-progress',
      '--label',
      'reshard',
      '--out',
      o.out,
    ])!;
    const window = { start: 0, end: 0 };
    const splits = (async () => {
      await sleep(o.at * 1000);
      window.start = Date.now();
      for (const service of SERVICE_NAMES)
        jobs.push(await resharder.split(service, { lo: 0x90, hi: 0xff }, 0xc0));
      window.end = Date.now();
      // Finished for real: the moved rows leave the old shards (the invariant check at the end of
      // the run reads whole databases, and would count them twice).
      for (const service of SERVICE_NAMES) await resharder.complete(service);
    })();
    const [result] = await runLoadCommand(options, o.log, {
      ...process.env,
      DB_PREFIX: prefix,
    });
    await splits;
    const r = result!;
    const t0 = Date.parse(r.startedAt);
    const [from, to] = [(window.start - t0) / 1000, (window.end - t0) / 1000];
    const rate = {
      before: meanRate(r, 0, Math.floor(from)),
      during: meanRate(r, Math.floor(from), Math.ceil(to)),
      after: meanRate(r, Math.ceil(to), Infinity),
    };
    const pauses = jobs.map((j) => j.pauseMs ?? 0).sort((a, b) => a - b);
    o.log(`
reshard under load: every service split 90-ff at c0, ${((window.end - window.start) / 1000).toFixed(1)} s from ${from.toFixed(1)} s into the run
  write pause (fence to published map): ${jobs.map((j) => `${j.service} ${j.pauseMs} ms`).join(', ')}; p50 ${pauses[Math.floor((pauses.length - 1) / 2)]} ms, max ${pauses.at(-1)} ms
  rows copied: ${jobs.map((j) => `${j.service} ${j.rowsCopied}`).join(', ')}
  verify: ${jobs.map((j) => `${j.service} ${j.verify?.rows ?? 0} rows, ${j.verify?.differences.length ?? 0} differences`).join('; ')}
  requests: ${r.requests.total}, failed by status: ${JSON.stringify(r.errorsByStatus)}
  throughput: before ${shown(rate.before)}, during ${shown(rate.during)}, after ${shown(rate.after)}
  invariants afterwards (over the published maps): ${r.invariants?.checked ? `${r.invariants.violations.length} violations` : `not checked (${r.invariants?.note ?? 'no result'})`}`);
    return { jobs, load: r, window: { from, to }, rate };
  } finally {
    await store.close();
    await stack.stop();
  }
}
