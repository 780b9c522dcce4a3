/**
 * The experiment of `npm run bench:reshard` (and the lab's `reshard`): on a private stack, the
 * mixed load scenario runs while every service's range 90-ff is split at c0 and completed.
 * Prints what it measured through `options.log` and returns the figures.
 */
import { ControlStore, ReshardJob } from '@boxoffice/reshard';
import { SERVICE_NAMES } from '@boxoffice/runtime';
import { databaseOf } from '@boxoffice/sharding';
import { type WriteCounts, readWriteCounts, writeShares } from './shard-writes';
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
  /** Per service, the split shard's share of the service's row writes before and after. */
  relief: ShardRelief[];
}

/**
 * What a split took off the shard it split: its share of its service's row writes from the start
 * of the run to the split, and from the end of `complete` to the end of the run, beside the new
 * shard's share after (seeding included in "before": it writes by key like the load).
 */
export interface ShardRelief {
  service: string;
  /** The split shard's database and the new one's. */
  source: string;
  target: string;
  before: number;
  after: number;
  targetAfter: number;
}

/** The split shard of each service (the talk's 9-f, split at c0) before and after, from the readings. */
function reliefOf(
  prefix: string,
  start: WriteCounts,
  split: WriteCounts,
  done: WriteCounts,
  end: WriteCounts,
): ShardRelief[] {
  return SERVICE_NAMES.map((service) => {
    const source = `${prefix}${service}_9_f`;
    const target =
      [...end.keys()].find((name) => name.startsWith(`${prefix}${service}_`) && !split.has(name)) ?? '';
    const share = (from: WriteCounts, to: WriteCounts, db: string) =>
      writeShares(from, to, prefix, service).find((w) => w.database === db)?.share ?? NaN;
    return {
      service,
      source,
      target,
      before: share(start, split, source),
      after: share(done, end, source),
      targetAfter: share(done, end, target),
    };
  });
}

/** Mean requests per second of the timeline's seconds in [from, to); NaN if none. */
function meanRate(result: LoadResult, from: number, to: number): number {
  const points = result.timeline.filter((p) => p.second >= from && p.second < to);
  return points.length === 0 ? NaN : points.reduce((sum, p) => sum + p.requests, 0) / points.length;
}

const shown = (n: number) => (Number.isNaN(n) ? '–' : `${Math.round(n)} req/s`);
const percent = (share: number) => (Number.isNaN(share) ? '–' : `${Math.round(share * 100)} %`);

export async function runReshardBench(o: ReshardBenchOptions): Promise<ReshardBenchResult> {
  if (!(o.duration > 0 && o.at >= 0 && o.at < o.duration)) throw new Error('need 0 ≤ --at < --duration');
  o.log('starting a private stack…');
  const stack = await startStack();
  const store = new ControlStore(stack.topology.shardMapUrl);
  const prefix = databaseOf(stack.topology.shardMapUrl).replace(/boxoffice_control$/, '');
  const writesNow = () => readWriteCounts(stack.topology.shardMapUrl, prefix);
  try {
    const readings: Record<'start' | 'split' | 'done', WriteCounts> = {
      start: new Map(),
      split: new Map(),
      done: new Map(),
    };
    // The splits are timed from the start of the measured traffic, not of the command: seeding
    // takes seconds, longer on a loaded machine.
    let loadStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (loadStarted = resolve));
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
      await started;
      readings.start = await writesNow();
      await sleep(o.at * 1000);
      readings.split = await writesNow();
      window.start = Date.now();
      for (const service of SERVICE_NAMES)
        jobs.push(await resharder.split(service, { lo: 0x90, hi: 0xff }, 0xc0));
      window.end = Date.now();
      // Finished for real: the moved rows leave the old shards (the invariant check at the end of
      // the run reads whole databases, and would count them twice).
      for (const service of SERVICE_NAMES) await resharder.complete(service);
      readings.done = await writesNow();
    })();
    const [result] = await runLoadCommand(options, o.log, { ...process.env, DB_PREFIX: prefix }, loadStarted);
    await splits;
    const relief = reliefOf(prefix, readings.start, readings.split, readings.done, await writesNow());
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
  the split shard's share of its service's row writes, before → after (the new shard's after): ${relief.map((x) => `${x.service} ${percent(x.before)} → ${percent(x.after)} (${percent(x.targetAfter)})`).join(', ')}
  invariants afterwards (over the published maps): ${r.invariants?.checked ? `${r.invariants.violations.length} violations` : `not checked (${r.invariants?.note ?? 'no result'})`}`);
    return { jobs, load: r, window: { from, to }, rate, relief };
  } finally {
    await store.close();
    await stack.stop();
  }
}
