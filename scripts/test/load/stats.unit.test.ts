import { percentileLadder, RunRecorder } from '../../load/stats';
import { seededRandom } from '../../load/rng';

describe('RunRecorder', () => {
  test('when latencies 1..100 ms are recorded, then the percentiles are read from the HDR histogram', () => {
    const recorder = new RunRecorder();
    for (let i = 1; i <= 100; i++) {
      recorder.record({ operation: 'op', status: 200, ok: true, latencyMs: i, atMs: i * 10 });
    }

    const latency = recorder.latency();

    expect(latency.p50).toBeCloseTo(50, 0);
    expect(latency.p90).toBeCloseTo(90, 0);
    expect(latency.p99).toBeCloseTo(99, 0);
    expect(latency.max).toBeCloseTo(100, 0);
    expect(recorder.total).toBe(100);
  });

  test('when statuses are unexpected or no answer came, then they count as errors by status', () => {
    const recorder = new RunRecorder();
    recorder.record({ operation: 'order', status: 409, ok: true, latencyMs: 5, atMs: 0 });
    recorder.record({ operation: 'order', status: 503, ok: false, latencyMs: 5, atMs: 0 });
    recorder.record({ operation: 'order', status: 0, ok: false, latencyMs: 5, atMs: 0 });

    expect(recorder.errors).toBe(2);
    expect(Object.fromEntries(recorder.errorsByStatus)).toEqual({ '503': 1, network: 1 });
    expect(Object.fromEntries(recorder.statuses)).toEqual({ '409': 1, '503': 1, network: 1 });
    expect(recorder.operations().order).toMatchObject({ requests: 3, errors: 2 });
  });

  test('when a second has no completions, then the timeline still has a point for it', () => {
    const recorder = new RunRecorder();
    recorder.record({ operation: 'op', status: 200, ok: true, latencyMs: 2, atMs: 100 });
    recorder.record({ operation: 'op', status: 200, ok: true, latencyMs: 4, atMs: 2_500 });

    expect(recorder.timeline().map((p) => [p.second, p.requests])).toEqual([
      [0, 1],
      [1, 0],
      [2, 1],
    ]);
  });

  test('when requests name their shard, then requests per shard are counted', () => {
    const recorder = new RunRecorder();
    for (const shard of ['events 9-f', 'events 9-f', 'events all', undefined]) {
      recorder.record({ operation: 'op', status: 200, ok: true, latencyMs: 1, atMs: 0, shard });
    }

    expect(Object.fromEntries(recorder.shardRequests)).toEqual({ 'events 9-f': 2, 'events all': 1 });
  });

  test('the percentile curve rises and ends at the maximum', () => {
    const recorder = new RunRecorder();
    const random = seededRandom(3);
    for (let i = 0; i < 5_000; i++) {
      recorder.record({ operation: 'op', status: 200, ok: true, latencyMs: 1 + random() * 50, atMs: 0 });
    }

    const curve = recorder.percentiles();

    expect(curve.map((p) => p.latencyMs)).toEqual([...curve.map((p) => p.latencyMs)].sort((a, b) => a - b));
    expect(curve[curve.length - 1]!.percentile).toBe(100);
    expect(curve[curve.length - 1]!.latencyMs / recorder.latency().max).toBeCloseTo(1, 2);
  });
});

describe('percentileLadder', () => {
  test('it climbs towards 100 in halvings, with the usual reference points', () => {
    const ladder = percentileLadder();

    expect(ladder.slice(0, 4)).toEqual([0, 50, 75, 87.5]);
    expect(ladder).toEqual(expect.arrayContaining([90, 99, 99.9, 100]));
  });
});

describe('seededRandom', () => {
  test('the same seed gives the same sequence, another seed another one', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];

    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
