import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareResults, renderComparison } from '../../load/compare';
import { renderHtmlReport } from '../../load/html-report';
import { fileTimestamp, readResultFile, writeResultFiles } from '../../load/result-files';
import { renderSummary } from '../../load/summary-table';
import { escapeXml, niceCeiling } from '../../load/svg-charts';
import { sampleResult } from './sample-result';

describe('the end-of-run table', () => {
  test('it shows throughput, percentiles, errors by status, shards and the cache hit ratio', () => {
    const text = renderSummary(sampleResult());

    expect(text).toMatch(/throughput\s+998 req\/s/);
    expect(text).toContain('p50 20.0 ms · p90 35.0 ms · p99 60.0 ms · max 150 ms');
    expect(text).toMatch(/errors by status\s+503: 10/);
    expect(text).toMatch(/events 9-f\s+90-ff\s+3300\s+44.0%\s+events 20 → 20/);
    expect(text).toMatch(/event\s+l2\s+7400\s+100\s+0\s+0\s+0\s+0\s+98.7%/);
    expect(text).toContain('l1 (memory) hit ratio — · l2 (Redis) hit ratio 98.7%');
  });

  test('when the invariant check could not run, then it says so', () => {
    const text = renderSummary(
      sampleResult({ invariants: { checked: false, violations: [], note: 'no checker' } }),
    );

    expect(text).toContain('invariants: not checked (no checker)');
  });
});

describe('the HTML report', () => {
  test('it is one self-contained page with the charts inline', () => {
    const html = renderHtmlReport(sampleResult());

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http/);
    for (const chart of [
      'Latency over time',
      'Throughput over time',
      'Latency by percentile',
      'Requests per shard',
      'Rows per shard after the run',
    ]) {
      expect(html).toContain(`aria-label="${chart}"`);
    }
    expect(html.match(/<svg /g)).toHaveLength(5);
  });

  test('text from the run is escaped', () => {
    const html = renderHtmlReport(sampleResult({ notes: ['<img src=x onerror=alert(1)>'] }));

    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(escapeXml(`a"b'c&`)).toBe('a&quot;b&#39;c&amp;');
  });

  test('axes end on round numbers', () => {
    expect([0, 0.3, 7, 10, 11, 180, 2_100].map(niceCeiling)).toEqual([1, 0.5, 10, 10, 20, 200, 5_000]);
  });
});

describe('result files', () => {
  test('a run writes <scenario>-<timestamp>.json and .html that read back the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-results-'));
    const result = sampleResult();

    const files = writeResultFiles(result, dir);

    expect(files.json).toBe(join(dir, 'browse-20261122-021542.json'));
    expect(files.html).toBe(join(dir, 'browse-20261122-021542.html'));
    expect(readResultFile(files.json)).toEqual(result);
    expect(readFileSync(files.html, 'utf8')).toContain('<svg');
  });

  test('a run with another label carries it in the file name', () => {
    expect(fileTimestamp('2026-01-02T03:04:05.678Z')).toBe('20260102-030405');
    const dir = mkdtempSync(join(tmpdir(), 'load-results-'));

    expect(writeResultFiles(sampleResult({ label: 'cache-off' }), dir).json).toMatch(
      /browse-cache-off-\d{8}-\d{6}\.json$/,
    );
  });

  test('a file that is not a load result is refused with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'load-results-'));
    const path = join(dir, 'other.json');
    writeFileSync(path, '{"hello": 1}');

    expect(() => readResultFile(path)).toThrow(/other.json is not a result file/);
  });
});

describe('npm run load:compare', () => {
  test('it puts two runs side by side with b / a ratios', () => {
    const cached = sampleResult({ label: 'cache-on' });
    const uncached = sampleResult({
      label: 'cache-off',
      requests: { total: 5_000, ok: 5_000, errors: 0, throughput: 499 },
      latencyMs: { p50: 40, p90: 70, p99: 150, max: 300, mean: 44 },
      cache: [{ entity: 'event', hit: 0, miss: 0, negativeHit: 0, error: 0, bypass: 5_000, hitRatio: 0 }],
    });

    const rows = compareResults(cached, uncached);
    const text = renderComparison(cached, uncached);

    expect(rows.find((r) => r.metric === 'throughput')!.ratio).toBeCloseTo(0.5, 2);
    expect(rows.find((r) => r.metric === 'latency p99')!.ratio).toBeCloseTo(2.5, 2);
    expect(rows.find((r) => r.metric === 'errors')!.ratio).toBe(0);
    expect(text).toMatch(/throughput\s+998 req\/s\s+499 req\/s\s+×0.50/);
    expect(text).toMatch(/cache hit ratio\s+98.7%\s+0.0%\s+×0.00/);
  });

  test('when a side has no figure, then the ratio is a dash', () => {
    const a = sampleResult({ cache: null });

    expect(compareResults(a, sampleResult()).find((r) => r.metric === 'cache hit ratio')!.ratio).toBeNull();
  });
});
