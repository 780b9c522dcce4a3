import { AppError } from '@boxoffice/platform';
import { decodeCursor, encodeCursor } from '../../services/events/src';

const position = { startsAt: '2031-05-04T19:30:00.125Z', id: '3f0c1a9e-7d52-4b1e-9a43-0e2b6d8c1f77' };

function expectInvalidCursor(cursor: string): void {
  let thrown: unknown;
  try {
    decodeCursor(cursor);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect(thrown).toMatchObject({ code: 'invalid_cursor', status: 400 });
}

const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the listing cursor', () => {
  test('when a position is encoded, then decoding gives it back', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  test('when encoded, then it is opaque URL-safe text with no padding', () => {
    expect(encodeCursor(position)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('when the cursor carries an offset or upper-case id, then it decodes to the canonical form', () => {
    const cursor = encodeJson({ s: '2031-05-04T21:30:00.125+02:00', i: position.id.toUpperCase() });
    expect(decodeCursor(cursor)).toEqual(position);
  });

  test.each([
    ['empty', ''],
    ['not base64url', 'abc$%^'],
    ['base64url of junk', Buffer.from('not json').toString('base64url')],
    [
      'standard base64 with padding',
      Buffer.from(JSON.stringify({ s: position.startsAt })).toString('base64'),
    ],
    ['JSON that is not an object', encodeJson([1, 2])],
    ['a missing id', encodeJson({ s: position.startsAt })],
    ['a non-UUID id', encodeJson({ s: position.startsAt, i: 'not-a-uuid' })],
    ['a bad date', encodeJson({ s: '2031-13-45T99:00:00Z', i: position.id })],
    ['a date without a zone', encodeJson({ s: '2031-05-04T19:30:00', i: position.id })],
    ['a date in year 0', encodeJson({ s: '0000-01-01T00:00:00Z', i: position.id })],
    ['a date past year 9999', encodeJson({ s: '9999-12-31T23:00:00-05:00', i: position.id })],
    ['an extra field', encodeJson({ s: position.startsAt, i: position.id, o: 40 })],
    ['far too long', 'A'.repeat(500)],
  ])('when the cursor is %s, then it is invalid_cursor', (_name, cursor) => {
    expectInvalidCursor(cursor);
  });
});
