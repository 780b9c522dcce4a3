import {
  CpuWatch,
  HttpRequest,
  Measurement,
  WatchedProcesses,
  idleCpuMsPerSecond,
  measure,
  median,
} from './measure';

/** One thing the bench loads: a URL, and the processes whose CPU time it costs. */
export interface ReadTarget {
  name: string;
  /** What it is, in a few words, for the report. */
  description: string;
  url: string;
  watch: WatchedProcesses;
  /** The Postgres cluster the target's reads reach, whose CPU is reported as "postgres". */
  postgresUrl?: string;
  /** A path of its own for the n-th request (else every request asks for `url`'s). */
  pathOf?: (n: number) => string;
  /** Headers of the n-th request (a cookie of one of many users). */
  headersOf?: (n: number) => Record<string, string>;
  /** What each request sends, when the target is a write (else a GET). */
  request?: HttpRequest;
}

/** A target's rounds and their medians. */
export interface TargetResult {
  name: string;
  description: string;
  path: string;
  rounds: Measurement[];
  /** CPU ms per second each watched process spent idle, measured before the rounds. */
  idleCpuMsPerSecond: Record<string, number>;
  median: {
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    cpuMsPerRequest: Record<string, number>;
  };
  failures: number;
}

/**
 * Alternating rounds: each round runs every target once, one after the other, starting one
 * further along each round, so a slower or busier stretch of the machine falls on every target.
 */
export async function alternatingRounds(
  targets: readonly ReadTarget[],
  options: { rounds: number; seconds: number; connections: number; log: (line: string) => void },
): Promise<TargetResult[]> {
  const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  const postgresUrl = targets.find((t) => t.postgresUrl)?.postgresUrl;
  const idle = await idleCpuMsPerSecond(
    { processes: Object.assign({}, ...targets.map((t) => t.watch)), postgresUrl },
    2,
  );
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length]!;
      const watch: CpuWatch = { processes: target.watch, postgresUrl: target.postgresUrl };
      const m = await measure(target.url, {
        ...options,
        watch,
        idle,
        pathOf: target.pathOf,
        headersOf: target.headersOf,
        request: target.request,
      });
      rounds.get(target.name)!.push(m);
      options.log(
        `  round ${round + 1}/${options.rounds} ${target.name.padEnd(16)} ${m.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms${m.failures ? `  ${m.failures} FAILED` : ''}`,
      );
    }
  }
  return targets.map((t) => summarise(t, rounds.get(t.name)!, idle));
}

function summarise(target: ReadTarget, rounds: Measurement[], idle: Record<string, number>): TargetResult {
  const names = [...Object.keys(target.watch), ...(target.postgresUrl ? ['postgres'] : [])];
  return {
    name: target.name,
    description: target.description,
    path: new URL(target.url).pathname + new URL(target.url).search,
    rounds,
    idleCpuMsPerSecond: Object.fromEntries(names.map((n) => [n, idle[n] ?? NaN])),
    median: {
      requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      cpuMsPerRequest: Object.fromEntries(
        names.map((n) => [n, median(rounds.map((r) => r.cpuMsPerRequest[n] ?? NaN))]),
      ),
    },
    failures: rounds.reduce((n, r) => n + r.failures, 0),
  };
}

/** The median over rounds of `a`'s req/s divided by `b`'s in the same round. */
export function roundRatio(a: TargetResult, b: TargetResult): number {
  return median(a.rounds.map((r, i) => r.requestsPerSecond / (b.rounds[i]?.requestsPerSecond ?? NaN)));
}
