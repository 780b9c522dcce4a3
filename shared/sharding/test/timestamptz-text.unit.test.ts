import { isoFromTimestamptz } from '@boxoffice/sharding';

describe('isoFromTimestamptz (a timestamptz as Postgres writes it → Date#toISOString)', () => {
  test.each([
    ['2026-12-03 09:50:12.123+00', '2026-12-03T09:50:12.123Z'],
    ['2026-12-03 09:50:12.12+00', '2026-12-03T09:50:12.120Z'],
    ['2026-12-03 09:50:12.1+00', '2026-12-03T09:50:12.100Z'],
    ['2026-12-03 09:50:12+00', '2026-12-03T09:50:12.000Z'],
    ['2000-01-01 00:00:00.999+00', '2000-01-01T00:00:00.999Z'],
  ])('when a UTC session wrote %s, then it reads %s', (text, iso) => {
    expect(isoFromTimestamptz(text)).toBe(iso);
  });

  test.each([
    ['2026-12-03 15:20:12.5+05:30', '2026-12-03T09:50:12.500Z'],
    ['2026-12-03 01:50:12-08', '2026-12-03T09:50:12.000Z'],
    ['2026-12-03 09:50:12.123456+00', '2026-12-03T09:50:12.123Z'],
  ])('when the text is not the UTC millisecond form (%s), then the Date parser decides: %s', (text, iso) => {
    expect(isoFromTimestamptz(text)).toBe(iso);
  });

  test('when Postgres wrote infinity, then the text is kept (it has no ISO form)', () => {
    expect(isoFromTimestamptz('infinity')).toBe('infinity');
  });
});
