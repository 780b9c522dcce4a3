import { AppError, decodeKeysetCursor, encodeKeysetCursor } from '@boxoffice/platform';

const position = { at: '2031-05-04T19:30:00.125Z', id: '3f0c1a9e-7d52-4b1e-9a43-0e2b6d8c1f77' };

function expectInvalidCursor(cursor: string): void {
  let thrown: unknown;
  try {
    decodeKeysetCursor(cursor);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect(thrown).toMatchObject({ code: 'invalid_cursor', status: 400 });
}

const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

// Both listings page with it: events by startsAt, a buyer's tickets by createdAt.
describe('the keyset cursor', () => {
  test('when a position is encoded, then decoding gives it back', () => {
    expect(decodeKeysetCursor(encodeKeysetCursor(position))).toEqual(position);
  });

  test('when encoded, then it is opaque URL-safe text with no padding', () => {
    expect(encodeKeysetCursor(position)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('when the cursor carries an offset or upper-case id, then it decodes to the canonical form', () => {
    const cursor = encodeJson({ t: '2031-05-04T21:30:00.125+02:00', i: position.id.toUpperCase() });
    expect(decodeKeysetCursor(cursor)).toEqual(position);
  });

  test.each([
    ['empty', ''],
    ['not base64url', 'abc$%^'],
    ['base64url of junk', Buffer.from('not json').toString('base64url')],
    ['standard base64 with padding', Buffer.from(JSON.stringify({ t: position.at })).toString('base64')],
    ['JSON that is not an object', encodeJson([1, 2])],
    ['a missing id', encodeJson({ t: position.at })],
    ['a non-UUID id', encodeJson({ t: position.at, i: 'not-a-uuid' })],
    ['a bad date', encodeJson({ t: '2031-13-45T99:00:00Z', i: position.id })],
    ['a date without a zone', encodeJson({ t: '2031-05-04T19:30:00', i: position.id })],
    ['a date in year 0', encodeJson({ t: '0000-01-01T00:00:00Z', i: position.id })],
    ['a date past year 9999', encodeJson({ t: '9999-12-31T23:00:00-05:00', i: position.id })],
    ['an extra field', encodeJson({ t: position.at, i: position.id, o: 40 })],
    ['far too long', 'A'.repeat(500)],
    ['an instant that is not a date', encodeJson({ t: 'x', i: 'y' })],
    ['a date before 1970', encodeJson({ t: '1969-12-31T23:59:59Z', i: position.id })],
  ])('when the cursor is %s, then it is invalid_cursor', (_name, cursor) => {
    expectInvalidCursor(cursor);
  });
});
