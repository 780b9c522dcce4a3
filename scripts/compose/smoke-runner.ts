/**
 * Runs the smoke steps in order, each bounded by its timeout and timed, stops at the first
 * failure, and always tears the project down (`down -v`), also on Ctrl-C or SIGTERM.
 */
import { cpus, loadavg } from 'node:os';
import type { ComposeCli } from './compose-cli';
import type { SmokeContext, SmokeStep } from './smoke-step';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;

function withTimeout<T>(step: SmokeStep, work: Promise<T>, cli: ComposeCli): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.killRunning();
      reject(new Error(`step ${step.name} took longer than ${step.timeoutMs / 1000} s`));
    }, step.timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `down -v` (containers, networks, named volumes), then nothing of the project may be left. */
async function tearDown(cli: ComposeCli): Promise<string> {
  await cli.run(['down', '-v', '--remove-orphans', '--timeout', '5'], 120_000);
  const containers = await cli.containers();
  const volumes = await cli.volumes();
  if (containers.length + volumes.length > 0) {
    throw new Error(`left behind: ${[...containers, ...volumes].join(', ')}`);
  }
  return 'containers, network and volumes removed';
}

/** What the stack looked like when a step failed, into the log file (the end of it printed). */
async function diagnose(cli: ComposeCli, log: (line: string) => void): Promise<void> {
  const ps = await cli.run(['ps'], 30_000).catch((err: Error) => err.message);
  log(`\ncontainers at the failure:\n${ps.trimEnd()}`);
  await cli.run(['logs', '--no-color', '--tail', '40'], 60_000).catch(() => undefined);
  log(`their last log lines are in ${cli.logFile}`);
}

/** Returns true when every step passed and the teardown left nothing behind. */
export async function runSmokeSteps(
  steps: readonly SmokeStep[],
  ctx: SmokeContext,
  log: (line: string) => void,
): Promise<boolean> {
  const began = Date.now();
  const loadBefore = loadavg().map((l) => l.toFixed(1));
  let passed = true;
  let interrupted: string | undefined;
  const onSignal = (signal: string) => {
    if (interrupted) {
      log(
        `${signal} again: leaving without tearing down (remove it with: docker compose -p ${ctx.cli.project} down -v)`,
      );
      process.exit(130);
    }
    interrupted = signal;
    log(`\n${signal}: stopping, then tearing down`);
    ctx.cli.killRunning();
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    for (const step of steps) {
      if (interrupted) throw new Error(`interrupted (${interrupted})`);
      const started = Date.now();
      try {
        const detail = await withTimeout(step, step.run(ctx), ctx.cli);
        log(`  ok    ${step.name.padEnd(9)}${seconds(Date.now() - started)}  ${detail}`);
      } catch (err) {
        passed = false;
        log(`  FAIL  ${step.name.padEnd(9)}${seconds(Date.now() - started)}  ${(err as Error).message}`);
        if (!interrupted) await diagnose(ctx.cli, log);
        break;
      }
    }
  } finally {
    const started = Date.now();
    try {
      const detail = await tearDown(ctx.cli);
      log(`  ok    ${'down'.padEnd(9)}${seconds(Date.now() - started)}  ${detail}`);
    } catch (err) {
      passed = false;
      log(`  FAIL  ${'down'.padEnd(9)}${seconds(Date.now() - started)}  ${(err as Error).message}`);
    }
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  const load = loadavg().map((l) => l.toFixed(1));
  log(
    `\ncompose smoke ${passed && !interrupted ? 'passed' : 'FAILED'} in ${seconds(Date.now() - began).trim()} ` +
      `(load average ${loadBefore.join(' ')} before, ${load.join(' ')} after, ${cpus().length} cpus)`,
  );
  return passed && !interrupted;
}
