import { cpus, loadavg } from 'node:os';
import { type ServiceName, type Topology, SERVICE_NAMES } from '@boxoffice/runtime';
import { buildAdminUi } from '../../gateway/admin-ui/build-admin-ui';
import { cacheDelta, scrapeCacheCounts } from './cache-metrics';
import { runInvariantCheck } from './invariants';
import { LoadClient, RunBudget } from './load-client';
import { LoadResult, RESULT_VERSION, ShardStats } from './load-result';
import type { LoadOptions } from './options';
import { startProgress } from './progress';
import { seededRandom } from './rng';
import type { Scenario, VirtualUser } from './scenarios';
import { newRunId } from '../api/seeding';
import { ShardLabels } from './shard-labels';
import { ShardRows, countShardRows } from './shard-rows';
import { RunRecorder, toRecord } from './stats';

/** One measured run against one stack. */
export interface RunPlan {
  scenario: Scenario;
  options: LoadOptions;
  /** Where the measured traffic goes: the gateway, or a service instance for the direct run. */
  loadUrl: string;
  /** The gateway: seeding and the after-run checks go through it. */
  apiUrl: string;
  /** Names the run in files and tables: "gateway", "direct", "cache-off"… */
  label: string;
  /** The stack's topology, to route ids to shards and count rows per shard. */
  topology: Topology;
  /** Service instance URLs whose /metrics hold the cache counters. */
  metricsUrls: string[];
  /** Status lines (seeding…, measuring…); the table comes later. */
  log?: (line: string) => void;
  /** Called as the measured traffic starts, after seeding (a benchmark times its own events from it). */
  onLoadStart?: () => void;
}

async function assertReachable(url: string): Promise<void> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
  } catch {
    throw new Error(`nothing answers at ${url}; start the stack first (npm start), or pass --own-stack`);
  }
}

/**
 * Seeds, measures, then collects: the cache counters' delta, rows per shard, the scenario's own
 * facts and the invariant check. The run stops itself at its bound;
 * Ctrl-C ends it early and still reports.
 */
export async function runLoad(plan: RunPlan): Promise<LoadResult> {
  const { options, scenario } = plan;
  const log = plan.log ?? (() => undefined);
  await assertReachable(plan.apiUrl);
  if (plan.loadUrl !== plan.apiUrl) await assertReachable(plan.loadUrl);
  const shards = new ShardLabels(plan.topology);

  // The topology page's files, before any measuring: a stack started from this checkout serves them.
  await buildAdminUi({ ifNeeded: true }).catch(() => undefined);
  log(`${scenario.name} [${plan.label}]: seeding through ${plan.apiUrl}…`);
  const prepared = await scenario.prepare({ apiUrl: plan.apiUrl, runId: newRunId(), options, shards });
  const rowsBefore = await countShardRows(plan.topology).catch(() => null);
  const cacheBefore = await scrapeCacheCounts(plan.metricsUrls);
  const loadAverageBefore = loadavg();

  const recorder = new RunRecorder();
  const budget = new RunBudget(options.bound);
  const client = new LoadClient(plan.loadUrl, options.connections, budget, recorder);
  const stopEarly = () => budget.stop();
  process.once('SIGINT', stopEarly);
  log(`${scenario.name} [${plan.label}]: ${options.connections} connections → ${plan.loadUrl}`);
  log(`  watch it live: ${plan.apiUrl}/admin (the topology page, docs/topology-page.md)`);
  const stopProgress = startProgress(`${scenario.name} [${plan.label}]`, budget, recorder, options.progress);
  const startedAt = new Date();
  plan.onLoadStart?.();
  const virtualUsers = Array.from({ length: options.connections }, (_, index): VirtualUser => ({
    index,
    // Each virtual user its own stream, derived from the run's seed.
    random: seededRandom(options.seed * 1000 + index),
    client,
  }));
  await Promise.all(
    virtualUsers.map(async (vu) => {
      while (!budget.isOver) await prepared.iterate(vu);
    }),
  );
  const elapsedSeconds = budget.elapsedMs() / 1000;
  stopProgress();
  process.removeListener('SIGINT', stopEarly);
  await client.close();

  const cacheAfter = await scrapeCacheCounts(plan.metricsUrls);
  const notes = (await prepared.finish?.()) ?? [];
  // Every load test ends with the invariant check (it matters most where buyers buy).
  const invariants = await runInvariantCheck(plan.topology);
  const rowsAfter = await countShardRows(plan.topology).catch(() => null);
  if (cacheAfter.missing.length > 0) notes.push(`no /metrics from ${cacheAfter.missing.join(', ')}`);
  if (!rowsBefore || !rowsAfter) notes.push('rows per shard unknown: the shard databases could not be read');

  const latency = recorder.latency();
  return {
    version: RESULT_VERSION,
    scenario: scenario.name,
    label: plan.label,
    startedAt: startedAt.toISOString(),
    target: plan.loadUrl,
    options: {
      connections: options.connections,
      seed: options.seed,
      ...(options.bound.kind === 'duration'
        ? { durationSeconds: options.bound.seconds }
        : { requests: options.bound.count }),
    },
    machine: {
      cpus: cpus().length,
      node: process.version,
      loadAverageBefore: loadAverageBefore.map(round2),
      loadAverageAfter: loadavg().map(round2),
    },
    elapsedSeconds: round2(elapsedSeconds),
    requests: {
      total: recorder.total,
      ok: recorder.total - recorder.errors,
      errors: recorder.errors,
      throughput: round2(recorder.total / Math.max(elapsedSeconds, 0.001)),
    },
    latencyMs: latency,
    statuses: toRecord(recorder.statuses),
    errorsByStatus: toRecord(recorder.errorsByStatus),
    operations: recorder.operations(),
    shards: shardStats(shards, recorder.shardRequests, rowsBefore, rowsAfter),
    // null only when no service's /metrics answered; an empty list means no lookups happened.
    cache:
      cacheAfter.missing.length === plan.metricsUrls.length
        ? null
        : cacheDelta(cacheBefore.counts, cacheAfter.counts),
    invariants,
    timeline: recorder.timeline(),
    percentiles: recorder.percentiles(),
    notes,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Per shard of every service the run touched: requests routed there, rows before and after. */
export function shardStats(
  shards: ShardLabels,
  requests: ReadonlyMap<string, number>,
  before: ShardRows | null,
  after: ShardRows | null,
): ShardStats[] {
  const out: ShardStats[] = [];
  for (const service of SERVICE_NAMES as readonly ServiceName[]) {
    const rows: ShardStats[] = shards.shards(service).map((s) => {
      const b = before?.get(s.label);
      const a = after?.get(s.label);
      const tables =
        b && a
          ? Object.fromEntries(Object.keys(a).map((t) => [t, { before: b[t] ?? 0, after: a[t] ?? 0 }]))
          : undefined;
      return { service, shard: s.name, range: s.range, requests: requests.get(s.label) ?? 0, rows: tables };
    });
    const scatter = requests.get(shards.all(service)) ?? 0;
    if (scatter > 0) rows.push({ service, shard: 'all', range: '', requests: scatter });
    const touched = rows.some(
      (r) => r.requests > 0 || Object.values(r.rows ?? {}).some((t) => t.after !== t.before),
    );
    if (touched) out.push(...rows);
  }
  return out;
}
