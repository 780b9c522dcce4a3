import { loadConfig } from '@boxoffice/platform';
import { loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { renderComparison } from './compare';
import type { LoadResult } from './load-result';
import type { LoadOptions } from './options';
import { sharedPoolMax } from '../stack/connection-budget';
import { startStack } from '../stack/start-stack';
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
  const stack = await startStack({ env });
  log(`  gateway ${stack.gatewayUrl}, logs in ${stack.logDir}`);
  return {
    gatewayUrl: stack.gatewayUrl,
    topology: stack.topology,
    services: new Map(Object.entries(stack.serviceUrls)),
    stop: () => stack.stop(),
  };
}

function plan(
  options: LoadOptions,
  stack: Stack,
  label: string,
  log: (line: string) => void,
  loadUrl = stack.gatewayUrl,
  onLoadStart?: () => void,
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
    ...(onLoadStart ? { onLoadStart } : {}),
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

/** What a --compare mode runs each round: its sides, and which pairs of them it compares. */
interface Contest {
  stacks: Stack[];
  sides: { label: string; run: () => Promise<LoadResult> }[];
  /** [a, b] indexes into `sides`: b / a is printed. */
  pairs: [number, number][];
  /** Start each round with the next side (a b c, b c a, c a b): no side always runs first. */
  rotate: boolean;
}

/** Private stacks with these environments, started one after another; all stopped if one fails. */
async function ownStacks(envs: Record<string, string>[], log: (line: string) => void): Promise<Stack[]> {
  const stacks: Stack[] = [];
  // One pool size for every side, decided before any starts, so that all fit the Postgres server.
  const { poolMax, note } = await sharedPoolMax(envs.length);
  if (note) log(note);
  try {
    for (const env of envs) stacks.push(await ownStack({ DB_POOL_MAX: String(poolMax), ...env }, log));
  } catch (err) {
    await Promise.all(stacks.map((s) => s.stop()));
    throw err;
  }
  return stacks;
}

async function contestOf(
  options: LoadOptions,
  run: (stack: Stack, label: string, loadUrl?: string) => Promise<LoadResult>,
  getStack: () => Promise<Stack>,
  log: (line: string) => void,
): Promise<Contest> {
  if (options.compare === 'cache-off') {
    // Both stacks stay up for every round; an idle stack costs next to nothing.
    const [on, off] = await ownStacks([{}, { CACHE_ENABLED: 'false' }], log);
    return {
      stacks: [on!, off!],
      sides: [
        { label: 'cache-on', run: () => run(on!, 'cache-on') },
        { label: 'cache-off', run: () => run(off!, 'cache-off') },
      ],
      pairs: [[0, 1]],
      rotate: false,
    };
  }
  if (options.compare === 'cache-levels') {
    const labels = ['no-cache', 'redis-only', 'memory-redis'];
    const stacks = await ownStacks(
      [{ CACHE_ENABLED: 'false' }, { CACHE_L1_ENABLED: 'false' }, { CACHE_L1_ENABLED: 'true' }],
      log,
    );
    return {
      stacks,
      sides: labels.map((label, i) => ({ label, run: () => run(stacks[i]!, label) })),
      pairs: [
        [0, 1],
        [0, 2],
        [1, 2],
      ],
      rotate: true,
    };
  }
  const stack = await getStack();
  const events = stack.services.get('events')?.[0];
  if (!events) {
    await stack.stop();
    throw new Error(
      'cannot find the events service of this stack for the direct run; name it with --services URL',
    );
  }
  return {
    stacks: [stack],
    sides: [
      { label: 'gateway', run: () => run(stack, 'gateway') },
      { label: 'direct', run: () => run(stack, 'direct', events) },
    ],
    pairs: [[0, 1]],
    rotate: false,
  };
}

/**
 * `npm run load`: one run, or baseline sets (--compare) whose ratios are printed. With
 * --rounds N the set runs N times, alternating (a, b, a, b; cache-levels also rotates which side
 * starts), so a neighbour's burst on a shared machine hits every side; the median ratios are
 * printed last. Every run's summary is printed and its JSON and HTML written as soon as it finishes.
 */
export async function runLoadCommand(
  options: LoadOptions,
  log: (line: string) => void,
  /** Where a running stack's DB_PREFIX / TOPOLOGY_FILE come from (to find its shard databases). */
  env: Record<string, string | undefined> = process.env,
  /** Called as each run's measured traffic starts, after its seeding. */
  onLoadStart?: () => void,
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
  const run = async (stack: Stack, label: string, loadUrl?: string) =>
    finish(await runLoad(plan(options, stack, label, log, loadUrl, onLoadStart)));

  if (!options.compare) {
    const stack = await getStack();
    await withStacks([stack], () => run(stack, 'gateway'));
    return results;
  }
  const contest = await contestOf(options, run, getStack, log);
  const rounds: LoadResult[][] = [];
  await withStacks(contest.stacks, async () => {
    for (let round = 0; round < options.rounds; round++) {
      const n = contest.sides.length;
      const got: LoadResult[] = new Array<LoadResult>(n);
      for (let k = 0; k < n; k++) {
        const i = contest.rotate ? (round + k) % n : k;
        got[i] = await contest.sides[i]!.run();
      }
      rounds.push(got);
    }
  });
  for (const [i, got] of rounds.entries()) {
    for (const [a, b] of contest.pairs) {
      log(
        `${options.compare} comparison, round ${i + 1} of ${rounds.length} (b / a):\n\n${renderComparison(got[a]!, got[b]!)}\n`,
      );
    }
  }
  if (rounds.length > 1) {
    for (const [a, b] of contest.pairs) {
      const ratio = (get: (r: LoadResult) => number) =>
        median(rounds.map((got) => get(got[b]!) / get(got[a]!))).toFixed(2);
      log(
        `${options.compare}: median over ${rounds.length} rounds, ${contest.sides[b]!.label} / ${contest.sides[a]!.label}: ` +
          `throughput ×${ratio((r) => r.requests.throughput)}, p50 ×${ratio((r) => r.latencyMs.p50)}, p99 ×${ratio((r) => r.latencyMs.p99)}`,
      );
    }
  }
  return results;
}
