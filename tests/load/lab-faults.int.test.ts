import { describeLabRun, experimentOf } from './lab-kit';

/**
 * The lab's experiments on changes and failures: a split under load; a shard down (events shard
 * 9-f with a primary and a streaming replica of its own, its primary up and then stopped);
 * replicas. About 150 s on two cores.
 */
describeLabRun(['reshard', 'shard-down', 'replicas'], 420_000, (lab) => {
  test('when shard-down is done, then it has the reads, the replica, the writes to 9-f and elsewhere, and a paragraph on them', () => {
    const { table, chart, paragraph } = experimentOf(lab(), 'shard-down').figures;
    expect(table.columns).toEqual(['requests', 'primary up', '9-f primary stopped']);
    expect(table.rows.map((r) => r[0])).toEqual([
      'event pages on 9-f answered',
      "9-f reads its replica served (pages, the listing's part)",
      'event pages on the other shards answered',
      'the listing (every shard) answered',
      'listing pages marked partial',
      'edits of events on 9-f',
      'edits of events on the other shards',
    ]);
    // With the primary stopped, every edit on 9-f failed, and only with 503s: that is the product's.
    expect(table.rows[5]![2]).toMatch(/^0 of \d+ ok \(failed: 503 × \d+\); p50 [\d.,]+ ms, max [\d.,]+ ms$/);
    expect(chart.bars).toHaveLength(6);
    expect(paragraph).toMatch(/With the primary of events shard 9-f stopped, every one of \d+ edits/);
    expect(paragraph).toContain('Anonymous event pages on its range');
  });

  test("when reshard is done, then it shows each split shard's share of its service's writes before and after", () => {
    const { table } = experimentOf(lab(), 'reshard').figures;
    const shares = table.rows.filter((r) => String(r[0]).includes("the split shard's share of row writes"));
    expect(shares.map((r) => String(r[0]).split(':')[0])).toEqual(['users', 'events', 'tickets']);
    for (const [, value] of shares) expect(value).toMatch(/^(—|[\d.]+ %) → (—|[\d.]+ %) \((—|[\d.]+ %)\)$/);
  });
});
