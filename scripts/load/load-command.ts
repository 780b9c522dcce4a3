import { loadConfig, loadTopology, platformEnvSchema } from '@boxoffice/shared';
import { renderComparison } from './compare';
import type { LoadResult } from './load-result';
import type { LoadOptions } from './options';
import { OwnStack, startOwnStack } from './own-stack';
import { writeResultFiles } from './result-files';
import { RunPlan, runLoad } from './runner';
import { SCENARIOS } from './scenarios';
import { guessServiceUrls, identifyServices } from './service-urls';
import { renderSummary } from './summary-table';

/** A stack to run against: a running one (--target) or one this command started. */
interface Stack {
  gatewayUrl: string;
  topology: RunPlan['topology'];
  /** Service instance URLs by service. */
  services: Map<string, string[]>;
  stop(): Promise<void>;
}

async function runningStack(options: LoadOptions, env: Record<string, string | undefined>): Promise<Stack> {
  // The stack's shard databases: the same DB_PREFIX / TOPOLOGY_FILE as the `npm start` being loaded.
  const topology = loadTopology(loadConfig(platformEnvSchema, env));
  const urls = options.services.length > 0 ? options.services : guessServiceUrls(options.target);
  return {
    gatewayUrl: options.target,
    topology,
    services: await identifyServices(urls),
    stop: async () => undefined,
  };
}

async function ownStack(env: Record<string, string>, log: (line: string) => void): Promise<Stack> {
  log(
    `starting a private stack${
      Object.keys(env).length
        ? ` (${Object.entries(env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : ''
    }…`,
  );
  const stack: OwnStack = await startOwnStack(env);
  log(`  gateway ${stack.gatewayUrl}, logs in ${stack.logDir}`);
  return {
    gatewayUrl: stack.gatewayUrl,
    topology: stack.topology,
    services: new Map(Object.entries(stack.serviceUrls).map(([s, url]) => [s, [url]])),
    stop: () => stack.stop(),
  };
}

function plan(
  options: LoadOptions,
  stack: Stack,
  label: string,
  log: (line: string) => void,
  loadUrl = stack.gatewayUrl,
): RunPlan {
  return {
    scenario: SCENARIOS[options.scenario],
    options,
    loadUrl,
    apiUrl: stack.gatewayUrl,
    label,
    topology: stack.topology,
    metricsUrls: [...stack.services.values()].flat(),
    log,
  };
}

/** Runs on stacks and always stops them (a private stack's databases are dropped). */
async function withStacks<T>(stacks: Stack[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await Promise.all(stacks.map((s) => s.stop()));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * `npm run load`: one run, or baseline pairs (--compare) whose ratios are printed. With
 * --rounds N the pair runs N times, alternating a, b, a, b, so a neighbour's burst on a shared
 * machine hits both sides; the median ratios are printed last. Every run's summary is printed
 * and its JSON and HTML written as soon as it finishes.
 */
export async function runLoadCommand(
  options: LoadOptions,
  log: (line: string) => void,
  /** Where a running stack's DB_PREFIX / TOPOLOGY_FILE come from (to find its shard databases). */
  env: Record<string, string | undefined> = process.env,
): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const finish = (result: LoadResult) => {
    results.push(result);
    const files = writeResultFiles(
      result,
      options.outDir,
      options.label ? `${options.label}-${result.label}` : undefined,
    );
    log(`\n${renderSummary(result)}\n\n  wrote ${files.json}\n        ${files.html}\n`);
    return result;
  };
  const getStack = () => (options.ownStack ? ownStack({}, log) : runningStack(options, env));

  if (!options.compare) {
    const stack = await getStack();
    await withStacks([stack], async () => finish(await runLoad(plan(options, stack, 'gateway', log))));
    return results;
  }
  let pair: () => Promise<[LoadResult, LoadResult]>;
  const stacks: Stack[] = [];
  if (options.compare === 'cache-off') {
    // Both stacks stay up for every round; an idle stack costs next to nothing.
    const on = await ownStack({}, log);
    stacks.push(on);
    const off = await ownStack({ CACHE_ENABLED: 'false' }, log).catch(async (err: unknown) => {
      await on.stop();
      throw err;
    });
    stacks.push(off);
    pair = async () => [
      finish(await runLoad(plan(options, on, 'cache-on', log))),
      finish(await runLoad(plan(options, off, 'cache-off', log))),
    ];
  } else {
    const stack = await getStack();
    stacks.push(stack);
    const events = stack.services.get('events')?.[0];
    if (!events) {
      await stack.stop();
      throw new Error(
        'cannot find the events service of this stack for the direct run; name it with --services URL',
      );
    }
    pair = async () => [
      finish(await runLoad(plan(options, stack, 'gateway', log))),
      finish(await runLoad(plan(options, stack, 'direct', log, events))),
    ];
  }
  const pairs: [LoadResult, LoadResult][] = [];
  await withStacks(stacks, async () => {
    for (let round = 1; round <= options.rounds; round++) pairs.push(await pair());
  });
  for (const [i, [a, b]] of pairs.entries()) {
    log(
      `${options.compare} comparison, round ${i + 1} of ${pairs.length} (b / a):\n\n${renderComparison(a, b)}\n`,
    );
  }
  if (pairs.length > 1) {
    const ratio = (get: (r: LoadResult) => number) =>
      median(pairs.map(([a, b]) => get(b) / get(a))).toFixed(2);
    log(
      `${options.compare}: median over ${pairs.length} rounds, b / a: throughput ×${ratio((r) => r.requests.throughput)}, ` +
        `p50 ×${ratio((r) => r.latencyMs.p50)}, p99 ×${ratio((r) => r.latencyMs.p99)}`,
    );
  }
  return results;
}
