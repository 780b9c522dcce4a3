/**
 * `npm run lab`: every idea of the talk measured on this machine, in one report. Each experiment
 * starts private stacks (free ports, its own databases and keys, removed afterwards), runs its
 * sides in alternating rounds (A B, then B A), and returns a table, a chart and a paragraph
 * written from its own figures. One progress line per experiment; the benchmarks' own output
 * goes to a log file in a temporary folder. Writes results/lab-<timestamp>.html (one page, no
 * script, inline SVG) and .json.
 *
 *   npm run lab                         every experiment
 *   npm run lab -- gateway-hop          one (or several) by name
 *   npm run lab -- --list               the experiments, with the idea each measures
 *   npm run lab -- --quick              every experiment at its smallest size
 *
 * Every stack's databases are on a Postgres server the lab starts for itself (initdb into its
 * temporary folder, a free port) and removes at the end, Ctrl-C included; Redis and RabbitMQ are
 * the local ones, under fresh prefixes. A bad argument prints the usage and exits 2; a failed
 * experiment is in the report as failed and makes the command exit 1. Traffic goes to 127.0.0.1
 * only; every experiment is bounded.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabUsageError, labUsage, parseLabArgs } from './lab/args';
import { EXPERIMENTS } from './lab/experiments';
import { writeLabReport } from './lab/report';
import type { LabReport } from './lab/experiment';
import { runLab } from './lab/runner';
import { startReplicaCluster } from './replicas/replica-cluster';

async function main(argv: string[]): Promise<number> {
  const names = EXPERIMENTS.map((e) => e.name);
  let command: ReturnType<typeof parseLabArgs>;
  try {
    command = parseLabArgs(argv, names);
  } catch (err) {
    if (!(err instanceof LabUsageError)) throw err;
    console.error(`lab: ${err.message}\n\n${labUsage(names)}`);
    return 2;
  }
  if (command.kind === 'help') {
    console.log(labUsage(names));
    return 0;
  }
  if (command.kind === 'list') {
    const width = Math.max(...names.map((n) => n.length));
    for (const e of EXPERIMENTS)
      console.log(`${e.name.padEnd(width)}  ${e.idea}\n${' '.repeat(width)}  ${e.question}`);
    return 0;
  }
  const workDir = mkdtempSync(join(tmpdir(), 'boxoffice-lab-'));
  const logFile = join(workDir, 'lab.log');
  const chosen = EXPERIMENTS.filter((e) => command.names.includes(e.name));
  console.log(
    `lab: ${chosen.length} experiment(s), ${command.rounds} alternating round(s) each${command.quick ? ', quick sizes' : ''}; details in ${logFile}`,
  );
  // A Postgres server of the lab's own: every stack's databases go there (PG_URL), so another
  // user of the shared server can neither take the connections an experiment needs nor show in
  // its Postgres CPU figures. Removed with its folder at the end.
  const postgres = await startReplicaCluster({
    // A folder of its own in the temp folder: its files are handed to the postgres user.
    dir: mkdtempSync(join(tmpdir(), 'boxoffice-lab-postgres-')),
    replicas: 0,
    maxConnections: 300,
  });
  process.env.PG_URL = postgres.primary.url;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void postgres.remove().finally(() => process.exit(130)));
  console.log(`lab: experiments on a private Postgres at ${postgres.primary.url}`);
  let report: LabReport;
  try {
    report = await runLab(
      chosen,
      {
        quick: command.quick,
        rounds: command.rounds,
        workDir,
        log: (line) => appendFileSync(logFile, `${line}\n`),
      },
      (line) => console.log(line),
    );
  } finally {
    await postgres.remove();
  }
  const files = writeLabReport(report, command.out);
  console.log(`lab: wrote ${files.html}\n          ${files.json}`);
  return report.experiments.some((e) => e.status === 'failed') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`lab: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
