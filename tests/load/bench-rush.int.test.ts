import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RushSummary } from '@boxoffice/devstack';
import { runScript } from './fixtures';

/**
 * `npm run bench:rush -- --baseline monolith` end to end on a tiny event: it starts its own stack
 * and the monolith, finishes by itself, sells every seat on both sides without overselling, and
 * writes each round's report and the command's summary. Speed is not asserted here.
 */
describe('npm run bench:rush -- --baseline monolith', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-rush-'));
  let output: string;
  let summary: RushSummary;

  beforeAll(async () => {
    output = await runScript('scripts/bench-rush.ts', [
      ...['--buyers', '6', '--seats', '40', '--seconds', '30', '--warmup-seats', '10'],
      ...['--baseline', 'monolith', '--out', outDir],
    ]);
    const file = readdirSync(outDir).find((f) => /^rush-summary-.*\.json$/.test(f))!;
    summary = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as RushSummary;
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  test('when it runs, then both sides sell the event out with nothing oversold and every invariant holding', () => {
    expect(summary.rounds.map((r) => r.label)).toEqual(['boxoffice', 'monolith']);
    for (const round of summary.rounds) {
      expect(round.oversold).toBe(0);
      expect(round.invariantViolations).toBe(0);
      expect(round.confirmedPerSecond).toBeGreaterThan(0);
      expect(round.p50Ms).toBeLessThanOrEqual(round.p99Ms);
    }
    expect(output).toContain('seats sold         40 of 40');
    expect(output).toContain('invariants         hold');
  });

  test('the ratio to the monolith is computed from the two rounds and printed', () => {
    const [boxoffice, monolith] = summary.rounds;

    expect(boxoffice!.vsMonolith).toBeCloseTo(
      boxoffice!.confirmedPerSecond / monolith!.confirmedPerSecond,
      10,
    );
    expect(monolith!.vsMonolith).toBeNull();
    expect(output).toContain(`${boxoffice!.vsMonolith!.toFixed(2)}× monolith`);
  });

  test('the CPU per order is read for every process of each side and the Postgres cluster', () => {
    const [boxoffice, monolith] = summary.rounds;

    expect(Object.keys(boxoffice!.cpuPerOrderMs)).toEqual(
      expect.arrayContaining(['gateway', 'tickets-1', 'events-1', 'users-1', 'postgres']),
    );
    expect(Object.keys(monolith!.cpuPerOrderMs).sort()).toEqual(['bench', 'monolith', 'postgres']);
  });

  test("each round's JSON and HTML report and the summary's JSON and chart are written", () => {
    const files = readdirSync(outDir)
      .map((f) => f.replace(/-\d{8}-\d{6}/, ''))
      .sort();

    expect(files).toEqual([
      'rush-boxoffice.html',
      'rush-boxoffice.json',
      'rush-monolith.html',
      'rush-monolith.json',
      'rush-summary.json',
      'rush-summary.svg',
    ]);
    const svg = readFileSync(
      join(
        outDir,
        readdirSync(outDir).find((f) => f.endsWith('.svg'))!,
      ),
      'utf8',
    );
    expect(svg).toContain('<svg');
    expect(svg).toContain('monolith');
  });
});
