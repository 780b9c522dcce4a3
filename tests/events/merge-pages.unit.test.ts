import { comparePositions, mergePages } from '../../services/events/src';

const at = (startsAt: string, id: string) => ({ startsAt, id });
const T1 = '2031-01-01T10:00:00.000Z';
const T2 = '2031-01-01T11:00:00.000Z';
const T3 = '2031-01-02T09:00:00.000Z';

describe('merging the shards’ pages', () => {
  test('when pages interleave in time, then the merge is ordered by startsAt', () => {
    const pages = [[at(T1, 'a0'), at(T3, 'a1')], [at(T2, '40')], []];
    expect(mergePages(pages, 10)).toEqual({
      items: [at(T1, 'a0'), at(T2, '40'), at(T3, 'a1')],
      hasMore: false,
    });
  });

  test('when two events start at the same instant, then the id breaks the tie like Postgres does', () => {
    const pages = [[at(T1, 'f0000000')], [at(T1, '0a000000')], [at(T1, '9b000000')]];
    expect(mergePages(pages, 10).items.map((p) => p.id)).toEqual(['0a000000', '9b000000', 'f0000000']);
  });

  test('when the shards hold more than the limit, then it keeps the first `limit` and says there is more', () => {
    const pages = [
      [at(T1, '01'), at(T2, '02'), at(T3, '03')],
      [at(T1, '91'), at(T2, '92'), at(T3, '93')],
    ];
    expect(mergePages(pages, 3)).toEqual({
      items: [at(T1, '01'), at(T1, '91'), at(T2, '02')],
      hasMore: true,
    });
  });

  test('when the rows fill the page exactly, then there is no next page', () => {
    expect(mergePages([[at(T1, '01')], [at(T2, '92')]], 2).hasMore).toBe(false);
  });

  test('when every shard is empty, then the page is empty', () => {
    expect(mergePages([[], [], [], []], 20)).toEqual({ items: [], hasMore: false });
  });

  test('comparePositions compares instants, not their text', () => {
    expect(
      comparePositions(at('2031-01-01T10:00:00.000Z', 'a'), at('2031-01-01T09:00:00.000-02:00', 'a')),
    ).toBeLessThan(0);
  });
});
