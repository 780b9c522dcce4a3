import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './fixtures';

/**
 * `npm run lab` end to end on its cheapest experiment at its smallest size (`bus --quick
 * --rounds 1`: the bus alone on the local Redis and RabbitMQ, no stack): one progress line, and
 * one report as JSON and as a page with a chart, no script, and a paragraph. Speed is not asserted.
 */
describe('npm run lab -- bus --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lab-'));
  let output: string;

  beforeAll(async () => {
    output = await runScript('scripts/lab.ts', ['bus', '--quick', '--rounds', '1', '--out', outDir], 60_000);
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  test('when it runs, then it prints a progress line for the experiment and where the report is', () => {
    expect(output).toMatch(/\[1\/1\] bus: /);
    expect(output).toMatch(/bus ok in \d+ s: rabbitmq\/redis at-least-once \d+\.\d\d×/);
    expect(output).toMatch(/lab: wrote .*lab-\d{8}-\d{6}\.html/);
  });

  test('when it is done, then the JSON holds the figures and the page shows them without a script', () => {
    const files = readdirSync(outDir);
    const json = files.find((f) => /^lab-.*\.json$/.test(f))!;
    const html = files.find((f) => /^lab-.*\.html$/.test(f))!;
    const report = JSON.parse(readFileSync(join(outDir, json), 'utf8')) as {
      machine: { cpus: number; loadAverage: { start: number[] } };
      experiments: Array<{
        name: string;
        status: string;
        figures: { table: { rows: unknown[] }; paragraph: string };
      }>;
    };
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.loadAverage.start).toHaveLength(3);
    expect(report.experiments.map((e) => [e.name, e.status])).toEqual([['bus', 'ok']]);
    expect(report.experiments[0]!.figures.table.rows).toHaveLength(4);
    const page = readFileSync(join(outDir, html), 'utf8');
    expect(page).not.toMatch(/<script/i);
    expect(page.match(/<svg /g)).toHaveLength(1);
    expect(page).toContain(report.experiments[0]!.figures.paragraph.slice(0, 60).replace(/&/g, '&amp;'));
  });
});
