import { parseArgs } from 'node:util';

/** A command line the lab refuses: `npm run lab` prints the message and the usage, and exits 2. */
export class LabUsageError extends Error {}

export type LabCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'run'; names: string[]; quick: boolean; rounds: number; out: string };

export function labUsage(names: readonly string[]): string {
  return `usage: npm run lab -- [<experiment> …] [--quick] [--rounds N] [--out DIR]
       npm run lab -- --list

  <experiment>   run only these (default: every one): ${names.join(', ')}
  --quick        every experiment at its smallest size (seconds each): a first look, not figures to quote
  --rounds N     alternating rounds per experiment, 1 to 10 (default 2: A B then B A)
  --out DIR      where the report goes (default results/)
  --list         list the experiments and exit`;
}

/** Parses `npm run lab -- …`; throws a LabUsageError naming what is wrong. */
export function parseLabArgs(argv: readonly string[], names: readonly string[]): LabCommand {
  const { values, positionals } = parseOrRefuse(argv);
  if (values.help) return { kind: 'help' };
  if (values.list) {
    if (positionals.length > 0) throw new LabUsageError('--list takes no experiment names');
    return { kind: 'list' };
  }
  const unknown = positionals.filter((p) => !names.includes(p));
  if (unknown.length > 0) {
    throw new LabUsageError(`no experiment named ${unknown.map((u) => `"${u}"`).join(', ')}`);
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) {
    throw new LabUsageError(`--rounds takes a whole number from 1 to 10, not "${values.rounds}"`);
  }
  if (values.out.trim() === '') throw new LabUsageError('--out takes a folder');
  return {
    kind: 'run',
    // In the order of the list, each once, whatever order they were named in.
    names: positionals.length > 0 ? names.filter((n) => positionals.includes(n)) : [...names],
    quick: values.quick ?? false,
    rounds,
    out: values.out,
  };
}

function parseOrRefuse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: argv.filter((a) => a !== '--'),
      allowPositionals: true,
      strict: true,
      options: {
        list: { type: 'boolean' },
        quick: { type: 'boolean' },
        rounds: { type: 'string', default: '2' },
        out: { type: 'string', default: 'results' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // node:util's own message names the option ("Unknown option '--x'").
    throw new LabUsageError((err as Error).message);
  }
}
