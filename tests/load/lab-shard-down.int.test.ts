import { labQuickRun } from './fixtures';

/**
 * `npm run lab -- shard-down --quick --rounds 1`: a private stack whose events shard 9-f has a
 * primary and a streaming replica of its own, its primary up and then stopped. The report's shape
 * is checked (reads and writes in the table, both in the chart, a paragraph on both), not speed;
 * that the refused writes are 503s comes from the product, so it is checked too.
 */
describe('npm run lab -- shard-down --quick', () => {
  const lab = labQuickRun(['shard-down'], 110_000);

  test('when it is done, then the report has the reads, the replica, the writes to 9-f and elsewhere, and a paragraph on them', () => {
    const [experiment] = lab().report.experiments;
    expect([experiment!.name, experiment!.status, experiment!.error]).toEqual([
      'shard-down',
      'ok',
      undefined,
    ]);
    const { table, chart, paragraph } = experiment!.figures;
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
    // With the primary stopped, every edit on 9-f failed, and only with 503s.
    expect(table.rows[5]![2]).toMatch(/^0 of \d+ ok \(failed: 503 × \d+\); p50 [\d.,]+ ms, max [\d.,]+ ms$/);
    expect(chart.bars).toHaveLength(6);
    expect(paragraph).toMatch(/With the primary of events shard 9-f stopped, every one of \d+ edits/);
    expect(paragraph).toContain('Anonymous event pages on its range');
    expect(lab().page).toContain(paragraph.slice(0, 60));
  });
});
