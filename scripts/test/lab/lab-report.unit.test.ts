import type { ExperimentOutcome, LabReport } from '../../lab/experiment';
import { renderLabHtml } from '../../lab/report';
import { progressLine } from '../../lab/runner';

function outcome(name: string, overrides: Partial<ExperimentOutcome> = {}): ExperimentOutcome {
  return {
    name,
    idea: `the idea of ${name}`,
    implementedIn: 'shared/cache/src/entity-cache.ts',
    question: 'Is it faster?',
    status: 'ok',
    size: { seconds: 1 },
    seconds: 42,
    loadAverage: { start: [1.5, 1.2, 1], end: [2.5, 1.4, 1.1] },
    figures: {
      setup: 'A private stack.',
      table: {
        columns: ['side', 'req/s'],
        rows: [
          ['before', 100],
          ['after', 250.5],
        ],
      },
      chart: {
        title: 'req/s',
        unit: 'req/s',
        bars: [
          { label: 'before', value: 100 },
          { label: 'after', value: 250.5 },
        ],
      },
      paragraph: 'After ran at 2.51× before.',
      ratios: { 'after/before': 2.5 },
    },
    ...overrides,
  };
}

function report(experiments: ExperimentOutcome[]): LabReport {
  return {
    kind: 'lab',
    startedAt: '2026-12-05T15:00:00.000Z',
    finishedAt: '2026-12-05T15:10:00.000Z',
    settings: { quick: false, rounds: 2 },
    machine: { cpus: 2, node: 'v24.0.0', loadAverage: { start: [0.5, 0.4, 0.3], end: [2.1, 1.2, 0.8] } },
    experiments,
  };
}

describe('npm run lab: the report', () => {
  test('when rendered, then it has no script and one chart per experiment, a failed one included', () => {
    const html = renderLabHtml(
      report([
        outcome('a'),
        outcome('b'),
        outcome('c', { status: 'failed', figures: undefined, error: 'no stack' }),
      ]),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing fetched from elsewhere
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<section /g)).toHaveLength(3);
    expect(html).toContain('Failed:</strong> no stack');
  });

  test('when rendered, then the machine, the question, the setup, the table and the paragraph are there', () => {
    const html = renderLabHtml(report([outcome('a')]));
    expect(html).toContain('2 cores');
    expect(html).toContain('load average 0.50 / 0.40 / 0.30 at start, 2.10 / 1.20 / 0.80 at end');
    expect(html).toContain('Is it faster?');
    expect(html).toContain('A private stack.');
    expect(html).toContain('<td>251</td>'); // numbers shown with the digits they need
    expect(html).toContain('After ran at 2.51× before.');
    expect(html).toContain('npm run lab -- a');
  });

  test('when text holds markup, then it is escaped everywhere', () => {
    const evil = '<script>alert("x")</script> & <img src=x onerror=y>';
    const html = renderLabHtml(
      report([
        outcome('a', {
          question: evil,
          figures: {
            setup: evil,
            table: { columns: [evil], rows: [[evil]] },
            chart: { title: evil, unit: evil, bars: [{ label: evil, value: 1 }] },
            paragraph: evil,
            ratios: {},
          },
        }),
      ]),
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt;',
    );
  });

  test('when an experiment is done, then its progress line gives its time and ratios, or why it failed', () => {
    expect(progressLine(outcome('cache-levels'))).toBe('cache-levels ok in 42 s: after/before 2.50×');
    expect(progressLine(outcome('bus', { status: 'failed', figures: undefined, error: 'no RabbitMQ' }))).toBe(
      'bus FAILED after 42 s: no RabbitMQ',
    );
  });
});
