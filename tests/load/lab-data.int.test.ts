import { describeLabRun, experimentOf } from './lab-kit';

/**
 * The lab's experiments on where data lives: cache levels; shards (three private stacks: one
 * events shard, four even, the talk's four; a listing and event creation on the first two).
 * About 110 s on two cores.
 */
describeLabRun(['cache-levels', 'shards'], 330_000, (lab) => {
  test('when shards is done, then it has the listing and the writes on one and four shards, and a paragraph on both', () => {
    const { figures } = experimentOf(lab(), 'shards');
    const { table, chart, paragraph, ratios } = figures;
    expect(table.columns).toContain('event creations/s');
    expect(table.rows.map((r) => r[0])).toEqual(['1', '4, even quarters', "4, the talk's ranges"]);
    for (const row of table.rows.slice(0, 2)) {
      for (const cell of row.slice(1, 7)) expect(cell).toEqual(expect.any(Number));
    }
    expect(chart.bars.map((b) => b.label)).toEqual([
      'listing, 1 shard',
      'listing, 4 shards',
      'writes, 1 shard',
      'writes, 4 shards',
    ]);
    expect(ratios['4/1 shards writes/s']).toBeGreaterThan(0);
    expect(paragraph).toContain('Creating events (writes spread over the shards by their random ids) ran at');
    expect(paragraph).toContain('when the shards get machines of their own');
  });
});
