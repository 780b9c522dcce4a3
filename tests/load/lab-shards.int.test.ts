import { labQuickRun } from './fixtures';

/**
 * `npm run lab -- shards --quick --rounds 1`: three private stacks (one events shard, four even,
 * the talk's four), a listing and event creation on the first two. The report's shape is checked
 * (the listing and the writes in the table and the chart, a paragraph on both), not speed.
 */
describe('npm run lab -- shards --quick', () => {
  const lab = labQuickRun(['shards'], 170_000);

  test('when it is done, then the report has the listing and the writes on one and four shards, and a paragraph on both', () => {
    const [experiment] = lab().report.experiments;
    expect([experiment!.name, experiment!.status, experiment!.error]).toEqual(['shards', 'ok', undefined]);
    const { table, chart, paragraph, ratios } = experiment!.figures;
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
    expect(lab().page).toContain(paragraph.slice(0, 60));
  });
});
