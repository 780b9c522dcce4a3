/**
 * `npm run bench:tracing`: what tracing costs. Runs `bench:rush` and `bench:read` (the gateway's
 * event page) with tracing off (`OTEL_SDK_DISABLED=true`), when on with the default sampling (1 % of
 * traces) and with every trace kept (`parentbased_always_on`), in rounds whose order rotates
 * (off, sampled, all; then sampled, all, off; …) so a drift of the machine does not favour one
 * mode. Prints each mode's median and its ratio to "off", with the load average; writes nothing
 * but the benchmarks' own reports (into a temporary folder).
 *
 *   npm run bench:tracing -- [--rounds 3] [--seats 2000] [--buyers 100] [--read-seconds 5]
 *                            [--only rush,read]
 *
 * Each benchmark starts its own private stack per run, with the mode's variables in its
 * environment, so every process of that stack runs in that mode. Traffic goes to 127.0.0.1
 * only; every run is bounded and stops by itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './bench/read/measure';
import { REPO_ROOT } from './stack/processes';

export const MODES = {
  off: { OTEL_SDK_DISABLED: 'true' },
  sampled: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_SAMPLER: '' }, // on, the default 1 % of traces
  all: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
} as const;
export type Mode = keyof typeof MODES;
const BENCHES = ['rush', 'read'] as const;
type Bench = (typeof BENCHES)[number];

export interface TracingBenchOptions {
  rounds: number;
  seats: number;
  buyers: number;
  readSeconds: number;
  only: Bench[];
}

function whole(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** The command line, checked; throws an Error naming the bad option. */
export function parseTracingBenchArgs(argv: string[]): TracingBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      seats: { type: 'string', default: '2000' },
      buyers: { type: 'string', default: '100' },
      'read-seconds': { type: 'string', default: '5' },
      only: { type: 'string', default: 'rush,read' },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only.split(',').filter(Boolean);
  const unknown = only.filter((b) => !(BENCHES as readonly string[]).includes(b));
  if (only.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes rush and/or read, not "${values.only}"`);
  }
  return {
    rounds: whole('rounds', values.rounds, 1, 10),
    seats: whole('seats', values.seats, 100, 100_000),
    buyers: whole('buyers', values.buyers, 1, 2000),
    readSeconds: whole('read-seconds', values['read-seconds'], 1, 120),
    only: only as Bench[],
  };
}

/** The modes in the order of round `round` (0-based): each mode goes first once every three rounds. */
export function modeOrder(round: number): Mode[] {
  const modes = Object.keys(MODES) as Mode[];
  return modes.map((_, i) => modes[(i + round) % modes.length]!);
}

/** The table the command prints: per benchmark and mode, the median and its ratio to "off". */
export function costTable(figures: Record<Bench, Partial<Record<Mode, number[]>>>, only: Bench[]): string[] {
  const lines = ['benchmark  mode     median      vs off   runs'];
  for (const bench of only) {
    const off = median(figures[bench].off ?? []);
    for (const mode of Object.keys(MODES) as Mode[]) {
      const runs = figures[bench][mode] ?? [];
      if (runs.length === 0) continue;
      const value = median(runs);
      const unit = bench === 'rush' ? 'orders/s' : 'req/s';
      lines.push(
        `${bench.padEnd(10)} ${mode.padEnd(8)} ${value.toFixed(0).padStart(6)} ${unit.padEnd(8)} ${(off ? value / off : NaN).toFixed(3).padStart(6)}×  ${runs.map((r) => r.toFixed(0)).join(', ')}`,
      );
    }
  }
  return lines;
}

function newestJson(dir: string, prefix: string): unknown {
  const file = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no ${prefix}*.json in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8'));
}

function run(script: string, args: string[], env: Record<string, string>): void {
  const result = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`npm run ${script} ${args.join(' ')} exited ${result.status}`);
}

function measure(bench: Bench, mode: Mode, options: TracingBenchOptions): number {
  const out = mkdtempSync(join(tmpdir(), `bench-tracing-${bench}-`));
  if (bench === 'rush') {
    run(
      'bench:rush',
      ['--seats', String(options.seats), '--buyers', String(options.buyers), '--out', out],
      MODES[mode],
    );
    const summary = newestJson(out, 'rush-summary-') as { rounds: { confirmedPerSecond: number }[] };
    return summary.rounds[0]!.confirmedPerSecond;
  }
  // Two rounds on the stack, the second counted: the first is its warm-up (the JIT compiling the
  // request path, longer with tracing's code on it). Measured with one round, a stack's first
  // seconds moved a mode by up to 25 % from run to run.
  run(
    'bench:read',
    ['--rounds', '2', '--seconds', String(options.readSeconds), '--only', 'gateway-event', '--out', out],
    MODES[mode],
  );
  const result = newestJson(out, 'bench-read-') as {
    targets: { name: string; rounds: { requestsPerSecond: number }[] }[];
  };
  return result.targets.find((t) => t.name === 'gateway-event')!.rounds.at(-1)!.requestsPerSecond;
}

async function main(): Promise<void> {
  let options: TracingBenchOptions;
  try {
    options = parseTracingBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:tracing: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const load = loadavg().map((l) => l.toFixed(1));
  console.log(
    `bench:tracing: ${options.rounds} round(s) of ${options.only.join(' + ')}; load average ${load.join(' ')}`,
  );
  const figures: Record<Bench, Partial<Record<Mode, number[]>>> = { rush: {}, read: {} };
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of modeOrder(round)) {
      for (const bench of options.only) {
        const value = measure(bench, mode, options);
        (figures[bench][mode] ??= []).push(value);
        console.log(`round ${round + 1}  ${bench.padEnd(5)} ${mode.padEnd(8)} ${value.toFixed(0)}`);
      }
    }
  }
  console.log('');
  for (const line of costTable(figures, options.only)) console.log(line);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

if (require.main === module) void main();
