import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadResult, overallHitRatio, parseLoadArgs, runLoadCommand } from '@boxoffice/devstack';
import { TestStack, startTestStack } from '../support';

describe('npm run load -- browse', () => {
  let stack: TestStack;
  const outDir = mkdtempSync(join(tmpdir(), 'load-int-'));
  let result: LoadResult;

  beforeAll(async () => {
    stack = await startTestStack();
    const services = stack.processes.filter((p) => p.role !== 'gateway').map((p) => p.url);
    const options = parseLoadArgs([
      'browse',
      '--requests',
      '200',
      '--connections',
      '10',
      '--events',
      '12',
      '--target',
      stack.gatewayUrl,
      '--services',
      services.join(','),
      '--out',
      outDir,
      '--no-progress',
    ])!;
    [result] = await runLoadCommand(options, () => undefined, stack.env.env);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  test('when the run is bounded by 200 requests, then it stops by itself after exactly 200, without errors', () => {
    expect(result.requests.total).toBe(200);
    expect(result.requests.errors).toBe(0);
    expect(result.statuses).toEqual({ '200': 200 });
    expect(result.requests.throughput).toBeGreaterThan(0);
  });

  test('the latency figures are ordered and plausible', () => {
    const { p50, p90, p99, max } = result.latencyMs;

    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    expect(max).toBeLessThan(30_000);
  });

  test('every request is attributed to one events shard or to the scatter-gather listing', () => {
    const events = result.shards.filter((s) => s.service === 'events');

    expect(events.map((s) => s.shard)).toEqual(['0-2', '3-5', '6-8', '9-f', 'all']);
    expect(events.reduce((n, s) => n + s.requests, 0)).toBe(200);
    const rows = events.filter((s) => s.rows).reduce((n, s) => n + s.rows!.events!.after, 0);
    expect(rows).toBe(12);
  });

  test('the event pages were served from memory or the warmed Redis cache, never from the shard', () => {
    const events = result.cache?.filter((c) => c.entity === 'event') ?? [];
    const memory = events.find((c) => c.level === 'l1');

    expect(overallHitRatio(events)).toBe(1);
    expect((memory?.hit ?? 0) + (memory?.miss ?? 0)).toBe(result.operations['event detail']?.requests);
  });

  test('the JSON and a self-contained HTML report are written', () => {
    const files = readdirSync(outDir).sort();

    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^browse-\d{8}-\d{6}\.html$/);
    expect(files[1]).toMatch(/^browse-\d{8}-\d{6}\.json$/);
    expect(JSON.parse(readFileSync(join(outDir, files[1]!), 'utf8'))).toEqual(result);
    expect(readFileSync(join(outDir, files[0]!), 'utf8').match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
  });
});
