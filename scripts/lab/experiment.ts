/**
 * What a lab experiment is: one idea of the talk, a question about it, and a `run` that measures
 * it on private stacks and returns the figures of this run with a paragraph written from them.
 */

/** How big the lab runs: `quick` shrinks every experiment to seconds (tests, a first look). */
export interface LabSettings {
  quick: boolean;
  /** Alternating rounds per experiment: A B, then B A, … (2 gives A B B A). */
  rounds: number;
  /** Where the benchmarks' own files and logs go (a temporary folder of this run). */
  workDir: string;
  /** Detail lines (the benchmarks' own output); the lab writes them to a log file. */
  log: (line: string) => void;
}

export type Cell = string | number;

export interface Bar {
  label: string;
  value: number;
}

/** What one experiment measured in this run. */
export interface ExperimentFigures {
  /** What ran, with this run's sizes. */
  setup: string;
  table: { columns: string[]; rows: Cell[][] };
  chart: { title: string; unit: string; bars: Bar[] };
  /** A second chart, of lines over a numeric x (a model against its measured points, as dots). */
  lines?: {
    title: string;
    unit: string;
    xLabel: string;
    /** Where the x axis has its ticks (the last is its end). */
    xTicks: number[];
    series: { name: string; points: [number, number][]; dots?: boolean }[];
  };
  /** Written from the figures above: which way the result went, and by how much. */
  paragraph: string;
  /** The before/after ratios (median over rounds), by name, for the JSON. */
  ratios: Record<string, number>;
}

/** An experiment, with the sizes it runs at (`S`: its benchmark's own knobs). */
export interface Experiment<S = unknown> {
  name: string;
  /** The talk's idea it comes from. */
  idea: string;
  /** The file (in this repository) that implements the idea. */
  implementedIn: string;
  question: string;
  /** `quick` for `--quick` (seconds: tests, a first look), `standard` otherwise. */
  sizes: { quick: S; standard: S };
  run(settings: LabSettings, size: S): Promise<ExperimentFigures>;
}

/** An experiment, its size type `S` taken from its `sizes` (so `run` is typed without naming it). */
export function defineExperiment<S>(experiment: Experiment<S>): Experiment<S> {
  return experiment;
}

/** One experiment's entry in the report: its figures, or why there are none. */
export interface ExperimentOutcome {
  name: string;
  idea: string;
  implementedIn: string;
  question: string;
  status: 'ok' | 'failed';
  /** The sizes it ran at. */
  size: unknown;
  seconds: number;
  loadAverage: { start: number[]; end: number[] };
  figures?: ExperimentFigures;
  error?: string;
}

/** What `npm run lab` writes to results/lab-<timestamp>.json (and renders to .html). */
export interface LabReport {
  kind: 'lab';
  startedAt: string;
  finishedAt: string;
  settings: { quick: boolean; rounds: number };
  machine: { cpus: number; node: string; loadAverage: { start: number[]; end: number[] } };
  experiments: ExperimentOutcome[];
}
