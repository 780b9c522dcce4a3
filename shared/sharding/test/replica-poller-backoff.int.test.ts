import { ReplicaPoller } from '@boxoffice/sharding';

/**
 * A replica server that refuses connections (nothing listens on port 1: a real refusal, no mock)
 * is asked less and less often, and reported down all along.
 */
describe('the replica poller, when a server cannot be reached', () => {
  test('then it backs off (doubling from the interval up to maxBackoffMs) and reports the replica down', async () => {
    const poller = new ReplicaPoller(
      [{ name: 'gone:1', url: 'postgres://postgres@127.0.0.1:1/postgres', role: 'replica', primary: 'p' }],
      { intervalMs: 50, maxBackoffMs: 800 },
    );
    const failedAt: number[] = [];
    poller.on('poll-failed', () => failedAt.push(Date.now()));
    poller.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Every 50 ms without backing off: ~60 polls (each a new connection) in 3 s. Doubling from
      // 50 ms up to 800 ms: at about 0, 0.1, 0.3, 0.7, 1.5, 2.3 s.
      expect(failedAt.length).toBeGreaterThanOrEqual(4);
      expect(failedAt.length).toBeLessThanOrEqual(9);
      const gaps = failedAt.slice(1).map((t, i) => t - failedAt[i]!);
      expect(Math.max(...gaps)).toBeLessThan(800 + 400); // never longer than the cap (plus a timer tick)
      expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
      expect(poller.state('gone:1')).toMatchObject({
        up: false,
        error: expect.stringMatching(/ECONNREFUSED|connect/),
      });
    } finally {
      await poller.stop();
    }
  });
});
