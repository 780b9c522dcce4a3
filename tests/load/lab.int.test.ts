import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './fixtures';

interface LabJson {
  machine: { cpus: number; loadAverage: { start: number[] } };
  experiments: Array<{
    name: string;
    status: string;
    figures: { table: { rows: unknown[][] }; paragraph: string };
  }>;
}

/**
 * Runs `npm run lab -- <args> --quick --rounds 1` into a temporary folder once for the enclosing
 * describe (removed after it); returns what it printed and the report it wrote, as JSON and page.
 */
function labRun(args: string[], timeoutMs: number): { output: string; json: LabJson; page: string } {
  const outDir = mkdtempSync(join(tmpdir(), 'lab-'));
  const run = { output: '', json: undefined as unknown as LabJson, page: '' };
  beforeAll(async () => {
    run.output = await runScript(
      'scripts/lab.ts',
      [...args, '--quick', '--rounds', '1', '--out', outDir],
      timeoutMs,
    );
    const files = readdirSync(outDir);
    const file = (ending: string) =>
      join(
        outDir,
        files.find((f) => f.startsWith('lab-') && f.endsWith(ending))!,
      );
    run.json = JSON.parse(readFileSync(file('.json'), 'utf8')) as LabJson;
    run.page = readFileSync(file('.html'), 'utf8');
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));
  return run;
}

/**
 * `npm run lab` end to end on its cheapest experiments at their smallest size (`bus bus-queues
 * --quick --rounds 1`: the bus alone on the local Redis and RabbitMQ, no stack): a progress line
 * each, and one report as JSON and as a page with a chart per experiment, no script, and a
 * paragraph each. Speed is not asserted.
 */
describe('npm run lab -- bus bus-queues --quick', () => {
  const run = labRun(['bus', 'bus-queues'], 80_000);

  test('when it runs, then it prints a progress line for each experiment and where the report is', () => {
    expect(run.output).toMatch(/\[1\/2\] bus: /);
    expect(run.output).toMatch(/bus ok in \d+ s: rabbitmq\/redis at-least-once \d+\.\d\d×/);
    expect(run.output).toMatch(/\[2\/2\] bus-queues: /);
    expect(run.output).toMatch(/bus-queues ok in \d+ s: newest-first\/FIFO lag p50 \d+\.\d\d×/);
    expect(run.output).toMatch(/lab: wrote .*lab-\d{8}-\d{6}\.html/);
  });

  test('when it is done, then the JSON holds the figures and the page shows them without a script', () => {
    const { json: report, page } = run;
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.loadAverage.start).toHaveLength(3);
    expect(report.experiments.map((e) => [e.name, e.status])).toEqual([
      ['bus', 'ok'],
      ['bus-queues', 'ok'],
    ]);
    // bus: two backends × two deliveries; bus-queues: FIFO, newest-first, finite, unbounded.
    expect(report.experiments.map((e) => e.figures.table.rows.length)).toEqual([4, 4]);
    expect(page).not.toMatch(/<script/i);
    expect(page.match(/<svg /g)).toHaveLength(2);
    for (const e of report.experiments)
      expect(page).toContain(e.figures.paragraph.slice(0, 60).replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
  });
});

/**
 * `npm run lab -- sessions --quick --rounds 1`: two small servers (a session looked up in the
 * local Redis, a signed cookie verified) under autocannon; the report's shape, not its speed.
 */
describe('npm run lab -- sessions --quick', () => {
  const run = labRun(['sessions'], 60_000);

  test('when it is done, then the report has both sides, one chart and a paragraph from the figures', () => {
    expect(run.output).toMatch(/sessions ok in \d+ s: cookie\/store req\/s \d+\.\d\d×/);
    expect(run.json.experiments.map((e) => [e.name, e.status])).toEqual([['sessions', 'ok']]);
    const { table, paragraph } = run.json.experiments[0]!.figures;
    expect(table.rows.map((r) => r[0])).toEqual([
      'looked up in Redis (a session store)',
      'signed cookie, verified each request',
    ]);
    expect(paragraph).toMatch(
      /^Verifying the signed cookie on every request, the server answered \d+\.\d\d×/,
    );
    expect(run.page.match(/<svg /g)).toHaveLength(1);
    expect(run.page).not.toMatch(/<script/i);
  });
});
