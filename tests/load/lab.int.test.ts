import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './fixtures';

/**
 * `npm run lab` end to end on its cheapest experiments at their smallest size (`bus bus-queues
 * --quick --rounds 1`: the bus alone on the local Redis and RabbitMQ, no stack): a progress line
 * each, and one report as JSON and as a page with a chart per experiment, no script, and a
 * paragraph each. Speed is not asserted.
 */
describe('npm run lab -- bus bus-queues --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'lab-'));
  let output: string;

  beforeAll(async () => {
    output = await runScript(
      'scripts/lab.ts',
      ['bus', 'bus-queues', '--quick', '--rounds', '1', '--out', outDir],
      80_000,
    );
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  test('when it runs, then it prints a progress line for each experiment and where the report is', () => {
    expect(output).toMatch(/\[1\/2\] bus: /);
    expect(output).toMatch(/bus ok in \d+ s: rabbitmq\/redis at-least-once \d+\.\d\d×/);
    expect(output).toMatch(/\[2\/2\] bus-queues: /);
    expect(output).toMatch(/bus-queues ok in \d+ s: newest-first\/FIFO lag p50 \d+\.\d\d×/);
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
    expect(report.experiments.map((e) => [e.name, e.status])).toEqual([
      ['bus', 'ok'],
      ['bus-queues', 'ok'],
    ]);
    // bus: two backends × two deliveries; bus-queues: FIFO, newest-first, finite, unbounded.
    expect(report.experiments.map((e) => e.figures.table.rows.length)).toEqual([4, 4]);
    const page = readFileSync(join(outDir, html), 'utf8');
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
  const outDir = mkdtempSync(join(tmpdir(), 'lab-sessions-'));
  let output: string;

  beforeAll(async () => {
    output = await runScript(
      'scripts/lab.ts',
      ['sessions', '--quick', '--rounds', '1', '--out', outDir],
      60_000,
    );
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  test('when it is done, then the report has both sides, one chart and a paragraph from the figures', () => {
    expect(output).toMatch(/sessions ok in \d+ s: cookie\/store req\/s \d+\.\d\d×/);
    const files = readdirSync(outDir);
    const report = JSON.parse(
      readFileSync(
        join(
          outDir,
          files.find((f) => /^lab-.*\.json$/.test(f))!,
        ),
        'utf8',
      ),
    ) as {
      experiments: Array<{
        name: string;
        status: string;
        figures: { table: { rows: unknown[][] }; paragraph: string };
      }>;
    };
    expect(report.experiments.map((e) => [e.name, e.status])).toEqual([['sessions', 'ok']]);
    const { table, paragraph } = report.experiments[0]!.figures;
    expect(table.rows.map((r) => r[0])).toEqual([
      'looked up in Redis (a session store)',
      'signed cookie, verified each request',
    ]);
    expect(paragraph).toMatch(
      /^Verifying the signed cookie on every request, the server answered \d+\.\d\d×/,
    );
    const page = readFileSync(
      join(
        outDir,
        files.find((f) => /^lab-.*\.html$/.test(f))!,
      ),
      'utf8',
    );
    expect(page.match(/<svg /g)).toHaveLength(1);
    expect(page).not.toMatch(/<script/i);
  });
});
