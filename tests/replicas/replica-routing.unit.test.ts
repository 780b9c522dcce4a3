import { ReplicaView, chooseReadTarget, replicaLag } from '@boxoffice/sharding';

const fresh = (replayLsn: bigint, lagSeconds = 0): ReplicaView => ({ up: true, replayLsn, lagSeconds });
const down: ReplicaView = { up: false, replayLsn: 100n, lagSeconds: 0 };

describe('chooseReadTarget', () => {
  test('when the shard has no replica, then the read goes to the primary as no_replica', () => {
    expect(chooseReadTarget([], undefined, 2)).toEqual({ target: 'primary', reason: 'no_replica' });
  });

  test('when the reader has no position, then any replica within the lag bound serves it', () => {
    expect(chooseReadTarget([fresh(5n, 1.5)], undefined, 2)).toEqual({
      target: 'replica',
      replica: 0,
      reason: 'within_lag',
    });
  });

  test('when the replica has replayed past the reader position, then it serves the read as caught_up', () => {
    expect(chooseReadTarget([fresh(200n)], 200n, 2)).toEqual({
      target: 'replica',
      replica: 0,
      reason: 'caught_up',
    });
  });

  test('when the replica has not replayed the reader position, then the read is pinned to the primary', () => {
    expect(chooseReadTarget([fresh(199n)], 200n, 2)).toEqual({ target: 'primary', reason: 'not_caught_up' });
  });

  test('when the replica never reported a replay position, then a reader with a position is pinned', () => {
    const unknown: ReplicaView = { up: true, replayLsn: undefined, lagSeconds: 0 };
    expect(chooseReadTarget([unknown], 1n, 2).target).toBe('primary');
  });

  test('when the only replica lags beyond the bound, then even an anonymous read goes to the primary', () => {
    expect(chooseReadTarget([fresh(500n, 2.01)], undefined, 2)).toEqual({
      target: 'primary',
      reason: 'replica_lagging',
    });
  });

  test('when the lag is unknown (Infinity or NaN), then the replica is not used', () => {
    expect(chooseReadTarget([fresh(500n, Infinity)], undefined, 2).target).toBe('primary');
    expect(chooseReadTarget([fresh(500n, NaN)], undefined, 2).target).toBe('primary');
  });

  test('when every replica is down, then the read goes to the primary as replica_down', () => {
    expect(chooseReadTarget([down, down], undefined, 2)).toEqual({
      target: 'primary',
      reason: 'replica_down',
    });
  });

  test('when one replica is down, then the other one serves, starting from the given turn', () => {
    expect(chooseReadTarget([down, fresh(9n)], undefined, 2, 0)).toMatchObject({
      target: 'replica',
      replica: 1,
    });
    expect(chooseReadTarget([fresh(9n), fresh(9n)], undefined, 2, 1)).toMatchObject({ replica: 1 });
    expect(chooseReadTarget([fresh(9n), fresh(9n)], undefined, 2, 2)).toMatchObject({ replica: 0 });
  });

  test('when a usable replica is behind the reader and another is down, then the reason is not_caught_up', () => {
    expect(chooseReadTarget([down, fresh(10n)], 11n, 2)).toEqual({
      target: 'primary',
      reason: 'not_caught_up',
    });
  });

  test('when only the second replica has the reader position, then it serves the read', () => {
    expect(chooseReadTarget([fresh(10n), fresh(12n)], 11n, 2)).toEqual({
      target: 'replica',
      replica: 1,
      reason: 'caught_up',
    });
  });
});

describe('replicaLag', () => {
  const samples = [
    { atMs: 1000, lsn: 100n },
    { atMs: 1200, lsn: 150n },
    { atMs: 1400, lsn: 300n },
  ];

  test('when the replica has replayed the newest primary position, then it lags by nothing', () => {
    expect(replicaLag(samples, 300n, 5000)).toEqual({ seconds: 0, bytes: 0 });
  });

  test('when the primary was idle for long, then a caught-up replica still lags by nothing', () => {
    expect(replicaLag([{ atMs: 0, lsn: 100n }], 100n, 60_000)).toEqual({ seconds: 0, bytes: 0 });
  });

  test('when the replica is between two samples, then its lag runs from the last sample it holds', () => {
    expect(replicaLag(samples, 200n, 1600)).toEqual({ seconds: 0.4, bytes: 100 });
  });

  test('when the replica is behind every sample, then its lag runs from the oldest sample', () => {
    expect(replicaLag(samples, 50n, 2000)).toEqual({ seconds: 1, bytes: 250 });
  });

  test('when nothing is known of the primary or the replica, then the lag is unknown', () => {
    expect(replicaLag([], 10n, 0).seconds).toBe(Infinity);
    expect(replicaLag(samples, undefined, 0).seconds).toBe(Infinity);
  });
});
