import { labQuickRun } from './fixtures';

/**
 * `npm run lab` end to end on its cheapest experiment at its smallest size (`bus --quick
 * --rounds 1`: the bus alone on the local Redis and RabbitMQ, no stack): one progress line, and
 * one report as JSON and as a page with a chart, no script, and a paragraph. Speed is not asserted.
 */
describe('npm run lab -- bus --quick', () => {
  const lab = labQuickRun(['bus'], 60_000);

  test('when it runs, then it prints a progress line for the experiment and where the report is', () => {
    expect(lab().output).toMatch(/\[1\/1\] bus: /);
    expect(lab().output).toMatch(/bus ok in \d+ s: rabbitmq\/redis at-least-once \d+\.\d\d×/);
    expect(lab().output).toMatch(/lab: wrote .*lab-\d{8}-\d{6}\.html/);
  });

  test('when it is done, then the JSON holds the figures and the page shows them without a script', () => {
    const { report, page } = lab();
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.loadAverage.start).toHaveLength(3);
    expect(report.experiments.map((e) => [e.name, e.status])).toEqual([['bus', 'ok']]);
    expect(report.experiments[0]!.figures.table.rows).toHaveLength(4);
    expect(page).not.toMatch(/<script/i);
    expect(page.match(/<svg /g)).toHaveLength(1);
    expect(page).toContain(report.experiments[0]!.figures.paragraph.slice(0, 60).replace(/&/g, '&amp;'));
  });
});
