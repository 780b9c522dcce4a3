import { cpus, loadavg } from 'node:os';
import type { Experiment, ExperimentOutcome, LabReport, LabSettings } from './experiment';
import { loadNote, times } from './wording';

const loadAverage = () => loadavg().map((l) => Number(l.toFixed(2)));

/** One experiment, timed; a failure is recorded (with its message) and the lab goes on. */
async function runOne(experiment: Experiment, settings: LabSettings): Promise<ExperimentOutcome> {
  const { name, idea, implementedIn, question } = experiment;
  const start = loadAverage();
  const t0 = performance.now();
  const size = settings.quick ? experiment.sizes.quick : experiment.sizes.standard;
  const base = { name, idea, implementedIn, question, size };
  try {
    const figures = await experiment.run(settings, size);
    const end = loadAverage();
    const paragraph = figures.paragraph + loadNote(end[0]!, cpus().length);
    return {
      ...base,
      status: 'ok',
      seconds: (performance.now() - t0) / 1000,
      loadAverage: { start, end },
      figures: { ...figures, paragraph },
    };
  } catch (err) {
    settings.log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
    return {
      ...base,
      status: 'failed',
      seconds: (performance.now() - t0) / 1000,
      loadAverage: { start, end: loadAverage() },
      error: (err as Error).message,
    };
  }
}

/** "cache-levels ok in 95 s: memory+redis/none 2.41×" (the first ratio) or "… FAILED: why". */
export function progressLine(outcome: ExperimentOutcome): string {
  const took = `${outcome.seconds.toFixed(0)} s`;
  if (outcome.status === 'failed') return `${outcome.name} FAILED after ${took}: ${outcome.error ?? ''}`;
  const ratios = Object.entries(outcome.figures?.ratios ?? {})
    .map(([k, v]) => `${k} ${times(v)}`)
    .join(', ');
  return `${outcome.name} ok in ${took}${ratios ? `: ${ratios}` : ''}`;
}

/** Runs the experiments one after another, a progress line each; returns the whole report. */
export async function runLab(
  experiments: readonly Experiment[],
  settings: LabSettings,
  progress: (line: string) => void,
): Promise<LabReport> {
  const startedAt = new Date().toISOString();
  const start = loadAverage();
  const outcomes: ExperimentOutcome[] = [];
  for (const [i, experiment] of experiments.entries()) {
    progress(`[${i + 1}/${experiments.length}] ${experiment.name}: ${experiment.question}`);
    settings.log(`\n=== ${experiment.name} ===`);
    const outcome = await runOne(experiment, settings);
    outcomes.push(outcome);
    progress(`      ${progressLine(outcome)}`);
  }
  return {
    kind: 'lab',
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: { quick: settings.quick, rounds: settings.rounds },
    machine: { cpus: cpus().length, node: process.version, loadAverage: { start, end: loadAverage() } },
    experiments: outcomes,
  };
}
