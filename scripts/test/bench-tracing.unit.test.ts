import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { costTable, modeOrder, parseTracingBenchArgs } from '../bench-tracing';
import { median } from '../bench/read/measure';
import { REPO_ROOT } from '../stack/processes';

describe('bench:tracing', () => {
  test('when rounds follow each other, then each mode goes first once every three rounds', () => {
    expect([0, 1, 2, 3].map(modeOrder)).toEqual([
      ['off', 'sampled', 'all'],
      ['sampled', 'all', 'off'],
      ['all', 'off', 'sampled'],
      ['off', 'sampled', 'all'],
    ]);
  });

  test('when figures are in, then each mode is its median and its ratio to off', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const lines = costTable({ rush: { off: [100, 110, 90], sampled: [97, 95, 99], all: [80] }, read: {} }, [
      'rush',
    ]);
    expect(lines[1]).toMatch(/^rush\s+off\s+100 orders\/s\s+1\.000×/);
    expect(lines[2]).toMatch(/^rush\s+sampled\s+97 orders\/s\s+0\.970×/);
    expect(lines[3]).toMatch(/^rush\s+all\s+80 orders\/s\s+0\.800×/);
  });

  test.each([
    [['--rounds', '0'], /--rounds must be a whole number from 1 to 10/],
    [['--seats', 'lots'], /--seats must be a whole number/],
    [['--only', 'write'], /--only takes rush and\/or read/],
    [['--only', ''], /--only takes rush and\/or read/],
    [['--colour', 'blue'], /Unknown option '--colour'/],
  ])('when the options are %p, then they are refused naming the problem', (argv, message) => {
    expect(() => parseTracingBenchArgs(argv)).toThrow(message);
  });

  test('when the command gets a bad option, then it exits 2 with the reason and starts nothing', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts/bench-tracing.ts'), '--rounds', 'x'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('bench:tracing: --rounds must be a whole number from 1 to 10, not "x"');
  });
});
