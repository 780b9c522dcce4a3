import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LabUsageError, parseLabArgs } from '../../lab/args';
import { roundOrder } from '../../lab/alternate';
import { REPO_ROOT } from '../../stack/processes';

const NAMES = ['cache-levels', 'gateway-hop', 'bus'];

describe('npm run lab: arguments', () => {
  test('when nothing is named, then every experiment runs in the list order, two rounds, into results/', () => {
    expect(parseLabArgs([], NAMES)).toEqual({
      kind: 'run',
      names: NAMES,
      quick: false,
      rounds: 2,
      out: 'results',
    });
  });

  test('when experiments are named, then only those run, in the list order, each once', () => {
    expect(parseLabArgs(['--', 'bus', 'cache-levels', 'bus', '--quick', '--rounds', '3'], NAMES)).toEqual({
      kind: 'run',
      names: ['cache-levels', 'bus'],
      quick: true,
      rounds: 3,
      out: 'results',
    });
  });

  test('when --list or --help is given, then that is the command', () => {
    expect(parseLabArgs(['--list'], NAMES)).toEqual({ kind: 'list' });
    expect(parseLabArgs(['-h'], NAMES)).toEqual({ kind: 'help' });
  });

  test.each([
    [['no-such'], /no experiment named "no-such"/],
    [['--rounds', '0'], /--rounds takes a whole number from 1 to 10, not "0"/],
    [['--rounds', 'two'], /--rounds takes a whole number from 1 to 10, not "two"/],
    [['--colour'], /Unknown option '--colour'/],
    [['--list', 'bus'], /--list takes no experiment names/],
    [['--out', ' '], /--out takes a folder/],
  ])('when the arguments are %p, then they are refused naming the problem', (argv, message) => {
    expect(() => parseLabArgs(argv, NAMES)).toThrow(LabUsageError);
    expect(() => parseLabArgs(argv, NAMES)).toThrow(message);
  });

  test('when rounds follow each other, then two sides alternate A B, B A and three rotate', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(2, r))).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    expect([0, 1, 2].map((r) => roundOrder(3, r))).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
  });

  test('when the command gets a bad argument, then it exits 2 with the reason and the usage, and starts nothing', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts/lab.ts'), 'no-such-experiment'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('lab: no experiment named "no-such-experiment"');
    expect(result.stderr).toContain('usage: npm run lab');
  });

  test('when asked to --list, then it names every experiment and exits 0', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts/lab.ts'), '--list'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(0);
    for (const name of [
      'cache-levels',
      'gateway-hop',
      'rush-monolith',
      'replicas',
      'bus',
      'bus-queues',
      'reshard',
      'images',
      'sessions',
      'workers',
      'shards',
      'shard-down',
    ])
      expect(result.stdout).toMatch(new RegExp(`^${name} `, 'm'));
  });
});
