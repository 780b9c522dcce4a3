import { escapeXml } from '@boxoffice/devstack';
import { type LabRun, labQuickRun } from './fixtures';

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * `npm run lab -- <names> --quick --rounds 1` end to end, then the shape of its report: every
 * experiment ran, each table row has a cell per column and no missing figure, each chart a finite
 * bar per label, each ratio a number, each paragraph written (no "NaN", "undefined" or "n/a"), and
 * the page has one chart per chart, no script and every paragraph. Speed is not asserted: quick
 * sizes measure a handful of requests. `more` adds an experiment's own checks on the same run.
 */
export function describeLabRun(
  names: readonly string[],
  timeoutMs: number,
  more?: (lab: () => LabRun) => void,
): void {
  describe(`npm run lab -- ${names.join(' ')} --quick`, () => {
    const lab = labQuickRun(names, timeoutMs);

    test('when it runs, then it prints a line as each experiment starts and ends, and where the report is', () => {
      const { output, report } = lab();
      // The lab runs them in its own order (the talk's), whatever the order asked.
      expect(report.experiments.map((e) => e.name).sort()).toEqual([...names].sort());
      report.experiments.forEach(({ name }, i) => {
        expect(output).toContain(`[${i + 1}/${names.length}] ${name}: `);
        expect(output).toMatch(new RegExp(`${name} ok in \\d+ s`));
      });
      expect(output).toMatch(/lab: wrote .*lab-\d{8}-\d{6}\.html/);
    });

    test('when it is done, then every experiment has its figures: a full table, a chart, ratios and a paragraph', () => {
      const { report } = lab();
      expect(report.settings).toEqual({ quick: true, rounds: 1 });
      expect(report.machine.cpus).toBeGreaterThan(0);
      expect(report.machine.loadAverage.start).toHaveLength(3);
      expect(report.experiments.map((e) => [e.name, e.status, e.error])).toEqual(
        report.experiments.map((e) => [e.name, 'ok', undefined]),
      );
      for (const { name, figures } of report.experiments) {
        const { table, chart, lines, ratios, paragraph } = figures;
        // Each check names its experiment, so a failure says whose figures are missing.
        expect({ name, setup: figures.setup.length > 0, rows: table.rows.length > 0 }).toEqual({
          name,
          setup: true,
          rows: true,
        });
        for (const row of table.rows) {
          // A figure that could not be measured would be NaN, which JSON writes as null; a cell
          // with nothing to say holds '—'.
          const missing = row.filter((cell) => cell === null || cell === undefined || cell === '');
          expect({ name, cells: row.length, missing }).toEqual({
            name,
            cells: table.columns.length,
            missing: [],
          });
        }
        const badBars = chart.bars.filter((b) => !finite(b.value) || b.label === '');
        expect({ name, bars: chart.bars.length > 0, badBars }).toEqual({ name, bars: true, badBars: [] });
        for (const series of lines?.series ?? []) {
          const badPoints = series.points.filter(([x, y]) => !finite(x) || !finite(y));
          expect({ name, series: series.name, badPoints }).toEqual({
            name,
            series: series.name,
            badPoints: [],
          });
        }
        const badRatios = Object.entries(ratios).filter(([, v]) => !finite(v));
        expect({ name, ratios: Object.keys(ratios).length > 0, badRatios }).toEqual({
          name,
          ratios: true,
          badRatios: [],
        });
        expect({
          name,
          written: paragraph.length > 80,
          flaws: paragraph.match(/\bNaN\b|undefined|\bn\/a\b/g),
        }).toEqual({ name, written: true, flaws: null });
      }
    });

    test('when the page is opened, then it shows every chart and paragraph without a script', () => {
      const { report, page } = lab();
      expect(page).not.toMatch(/<script/i);
      const charts = report.experiments.reduce((n, e) => n + 1 + (e.figures.lines ? 1 : 0), 0);
      expect(page.match(/<svg /g)).toHaveLength(charts);
      for (const e of report.experiments) expect(page).toContain(escapeXml(e.figures.paragraph.slice(0, 60)));
    });

    more?.(lab);
  });
}

/** The experiment `name` of a lab run. */
export function experimentOf(run: LabRun, name: string): LabRun['report']['experiments'][number] {
  const found = run.report.experiments.find((e) => e.name === name);
  if (!found) throw new Error(`the lab run has no ${name}`);
  return found;
}
