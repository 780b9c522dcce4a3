import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Runs one of the project's scripts (`scripts/bench-read.ts`, …) as `npm run` would, from the
 * repository root, and returns what it printed; rejects if it exits non-zero or outlasts the
 * timeout.
 */
export async function runScript(
  script: string,
  args: readonly string[],
  timeoutMs = 110_000,
  /** Added to this process's environment. */
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: resolve(__dirname, '../..'),
    timeout: timeoutMs,
    env: { ...process.env, ...env },
  });
  return stdout;
}

/** One experiment's entry in a lab report, as far as the lab's tests look at it. */
export interface LabExperimentEntry {
  name: string;
  status: string;
  error?: string;
  figures: {
    setup: string;
    table: { columns: string[]; rows: unknown[][] };
    chart: { bars: { label: string; value: number | null }[] };
    /** A figure that could not be measured is NaN, which JSON writes as null. */
    lines?: { series: { name: string; points: [number | null, number | null][] }[] };
    paragraph: string;
    ratios: Record<string, number | null>;
  };
}

/** What one `npm run lab` printed and wrote. */
export interface LabRun {
  output: string;
  report: {
    settings: { quick: boolean; rounds: number };
    machine: { cpus: number; loadAverage: { start: number[] } };
    experiments: LabExperimentEntry[];
  };
  page: string;
}

/**
 * `npm run lab -- <names> --quick --rounds 1 --out <outDir>`: what it printed, the report's JSON
 * (the only one in `outDir`) and its page.
 */
export async function runLabQuick(
  names: readonly string[],
  outDir: string,
  timeoutMs: number,
): Promise<LabRun> {
  // Tracing off in the stacks, as in the rest of the suite (tests/support/test-env.ts); the one
  // experiment that reads traces turns it on for its own stack.
  const output = await runScript(
    'scripts/lab.ts',
    [...names, '--quick', '--rounds', '1', '--out', outDir],
    timeoutMs,
    { OTEL_SDK_DISABLED: 'true' },
  );
  const files = readdirSync(outDir);
  const json = files.find((f) => /^lab-.*\.json$/.test(f))!;
  const html = files.find((f) => /^lab-.*\.html$/.test(f))!;
  return {
    output,
    report: JSON.parse(readFileSync(join(outDir, json), 'utf8')),
    page: readFileSync(join(outDir, html), 'utf8'),
  };
}

/**
 * Runs `runLabQuick` once before the describe block's tests, into a temporary folder removed
 * after them; the tests read the run through the function returned.
 */
export function labQuickRun(names: readonly string[], timeoutMs: number): () => LabRun {
  const outDir = mkdtempSync(join(tmpdir(), 'lab-'));
  let run: LabRun | undefined;
  beforeAll(async () => {
    run = await runLabQuick(names, outDir, timeoutMs);
  }, timeoutMs + 10_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));
  return () => run!;
}
