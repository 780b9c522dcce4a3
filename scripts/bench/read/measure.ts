import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { clusterCpuDelta, postgresCpuByPid } from '../process-cpu';

/** What one autocannon run at one target measured. */
export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, plus connection errors and timeouts: any of these spoils the figure. */
  failures: number;
  requests: number;
  /**
   * CPU milliseconds each watched process spent per request (user + system, from /proc), less
   * what it spends idle (its timers, pollers and consumers: `idleCpuMsPerSecond`), so a slow
   * target is not charged for the background work of a longer time per request.
   */
  cpuMsPerRequest: Record<string, number>;
  /** With `windowMs`: the run's answers per window. */
  timeline?: Timeline;
}

/** Answers per window of `windowMs`, the first starting at `startedAt` (performance.now()). */
export interface Timeline {
  startedAt: number;
  windowMs: number;
  windows: TimelineWindow[];
}

/** One window of a run: requests answered 2xx, and requests that failed (other status, error). */
export interface TimelineWindow {
  ok: number;
  failed: number;
}

/** What every request of a run sends, when it is not a plain GET. */
export interface HttpRequest {
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
}

/** A process whose CPU time is read around each run ("gateway" → its pid). */
export type WatchedProcesses = Record<string, number>;

/**
 * What a target's CPU is read from: its processes, and optionally the Postgres cluster its
 * shards are on (all of the cluster's processes, reported as "postgres"; only meaningful while
 * nothing else uses that cluster).
 */
export interface CpuWatch {
  processes: WatchedProcesses;
  postgresUrl?: string;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process, in ms; NaN where /proc is not there (not Linux) or it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

interface CpuSnapshot {
  processes: Record<string, number>;
  postgres?: Map<number, number>;
}

async function snapshot(watch: CpuWatch): Promise<CpuSnapshot> {
  const processes = Object.fromEntries(Object.entries(watch.processes).map(([n, pid]) => [n, cpuMs(pid)]));
  return watch.postgresUrl
    ? { processes, postgres: await postgresCpuByPid(watch.postgresUrl) }
    : { processes };
}

/** CPU ms each watched process (and "postgres", when watched) spent between two snapshots. */
function spentMs(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const spent = Object.fromEntries(
    Object.entries(after.processes).map(([n, ms]) => [n, ms - before.processes[n]!]),
  );
  if (before.postgres && after.postgres)
    spent.postgres = clusterCpuDelta(before.postgres, after.postgres) * 1000;
  return spent;
}

/** CPU ms per second each process spends with no request to answer, over `seconds`. */
export async function idleCpuMsPerSecond(watch: CpuWatch, seconds: number): Promise<Record<string, number>> {
  const before = await snapshot(watch);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const spent = spentMs(before, await snapshot(watch));
  return Object.fromEntries(Object.entries(spent).map(([n, ms]) => [n, ms / seconds]));
}

/** Runs autocannon at `url` for `seconds` with `connections`, reading the watched processes' CPU. */
export async function measure(
  url: string,
  options: {
    connections: number;
    seconds: number;
    watch: CpuWatch;
    idle: Record<string, number>;
    /** A path for the n-th request, when each must differ (e.g. to miss a cache). */
    pathOf?: (n: number) => string;
    /** Counts answers per window of this many ms from the start (`timeline`). */
    windowMs?: number;
    /** Headers of the n-th request (e.g. one of many users' cookies). */
    headersOf?: (n: number) => Record<string, string>;
    /** A request other than a GET (a write), sent as it is every time: e.g. a POST with a session cookie. */
    request?: HttpRequest;
  },
): Promise<Measurement> {
  const before = await snapshot(options.watch);
  const startedAt = performance.now();
  let sent = 0;
  const { pathOf, headersOf } = options;
  const setupRequest = (req: autocannon.Request) => {
    const n = sent++;
    return {
      ...req,
      ...(pathOf ? { path: pathOf(n) } : {}),
      ...(headersOf ? { headers: { ...req.headers, ...headersOf(n) } } : {}),
    };
  };
  let timeline: Timeline | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        timeout: 10,
        ...options.request,
        ...(pathOf || headersOf ? { requests: [{ setupRequest }] } : {}),
      },
      (err, done) => (err ? reject(err as Error) : resolve(done)),
    );
    if (options.windowMs)
      timeline = {
        startedAt,
        windowMs: options.windowMs,
        windows: recordWindows(run, startedAt, options.windowMs),
      };
  });
  const requests = result.requests.total;
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const spent = spentMs(before, await snapshot(options.watch));
  const cpuMsPerRequest = Object.fromEntries(
    Object.entries(spent).map(([n, ms]) => {
      const busy = ms - (options.idle[n] ?? 0) * elapsedSeconds;
      return [n, requests > 0 ? Math.max(0, busy) / requests : NaN];
    }),
  );
  return {
    requestsPerSecond: requests / options.seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    requests,
    cpuMsPerRequest,
    ...(timeline ? { timeline } : {}),
  };
}

/** Counts a run's answers into windows of `windowMs` from `startedAt` as they come. */
function recordWindows(run: autocannon.Instance, startedAt: number, windowMs: number): TimelineWindow[] {
  const windows: TimelineWindow[] = [];
  const windowNow = () => {
    const index = Math.floor((performance.now() - startedAt) / windowMs);
    for (let i = windows.length; i <= index; i++) windows.push({ ok: 0, failed: 0 });
    return windows[index]!;
  };
  run.on('response', (_client, statusCode) => {
    if (statusCode >= 200 && statusCode < 300) windowNow().ok += 1;
    else windowNow().failed += 1;
  });
  run.on('reqError', () => {
    windowNow().failed += 1;
  });
  return windows;
}

/** The value at quantile `q` (0.9: the 90th percentile) by nearest rank; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
