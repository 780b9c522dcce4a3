import { parseIfMatch } from '../../services/events/src';

describe('parsing If-Match', () => {
  test('when it is absent, empty or *, then any version will do', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
    expect(parseIfMatch(' * ')).toBeUndefined();
  });

  test('when it lists strong tags, then those are the versions accepted', () => {
    expect(parseIfMatch('"3"')).toEqual([3]);
    expect(parseIfMatch('"3", "5"')).toEqual([3, 5]);
  });

  test('when tags are weak, foreign or out of range, then they match nothing', () => {
    expect(parseIfMatch('W/"3"')).toEqual([]);
    expect(parseIfMatch('"abc", 7, "0"')).toEqual([]);
    expect(parseIfMatch('"9999999999"')).toEqual([]);
  });
});
