import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBenchReadResult, BenchReadResult } from '@boxoffice/devstack';
import { runScript } from './fixtures';

/**
 * `npm run bench:read` end to end with tiny durations: it starts its own stack and bare app,
 * finishes by itself and writes a result of the documented shape. Speed is not asserted here.
 */
describe('npm run bench:read', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-read-'));
  let output: string;
  let result: BenchReadResult;

  beforeAll(async () => {
    output = await runScript('scripts/bench-read.ts', [
      ...['--rounds', '1', '--seconds', '0.5', '--events', '3', '--connections', '4'],
      ...['--out', outDir],
    ]);
    const json = readdirSync(outDir).find((f) => f.endsWith('.json'))!;
    const raw: unknown = JSON.parse(readFileSync(join(outDir, json), 'utf8'));
    assertBenchReadResult(raw);
    result = raw;
  });

  test('when it runs, then every target answered without failures, once per round', () => {
    expect(result.targets.map((t) => t.name)).toEqual([
      'bare',
      'gateway-event',
      'direct-event',
      'gateway-listing',
      'gateway-listing-uncached',
    ]);
    for (const target of result.targets) {
      expect(target.failures).toBe(0);
      expect(target.rounds).toHaveLength(1);
      expect(target.median.requestsPerSecond).toBeGreaterThan(0);
      expect(target.median.p50Ms).toBeLessThanOrEqual(target.median.p99Ms);
    }
  });

  test('the target ratios are computed from the targets (the listing cached and not), with the load average', () => {
    const [bare, gateway, direct, listing, uncached] = result.targets.map(
      (t) => t.rounds[0]!.requestsPerSecond,
    );

    expect(result.ratios.map((r) => [r.name, r.target])).toEqual([
      ['gateway/bare', 0.5],
      ['gateway/direct', 0.75],
      ['listing/bare', 0.25],
      ['listing-uncached/bare', 0.25],
    ]);
    expect(result.ratios.map((r) => r.value)).toEqual([
      gateway! / bare!,
      gateway! / direct!,
      listing! / bare!,
      uncached! / bare!,
    ]);
    expect(result.loadAverage.start).toHaveLength(3);
    expect(output).toContain('gateway/direct');
    expect(output).toContain('load average');
  });

  test('the CPU time per request is read for the processes each target runs through', () => {
    const gateway = result.targets.find((t) => t.name === 'gateway-event')!;

    expect(Object.keys(gateway.median.cpuMsPerRequest).sort()).toEqual(['events', 'gateway', 'postgres']);
    expect(gateway.median.cpuMsPerRequest.gateway).toBeGreaterThan(0);
  });

  test('a JSON and a self-contained HTML report are written', () => {
    const files = readdirSync(outDir).sort();

    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^bench-read-\d{8}-\d{6}\.html$/);
    expect(readFileSync(join(outDir, files[0]!), 'utf8')).toContain('<svg');
  });
});
