import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeSession, newSession } from '../../gateway/src';
import { TEST_SESSION_KEY, sessionCookieFor } from '../support';

/**
 * The raw material of the fuzz suite: texts, instants, ids, cursors, cookies, bodies, content
 * types and encodings, each a mix of what a client means to send and what an attacker or a
 * broken client does send.
 */

/** Percent-encodes every byte of the UTF-8 form (a lone surrogate becomes U+FFFD, as a browser sends it). */
export function pct(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Texts of every kind: ASCII, graphemes, any code point (lone surrogates too), and known troublemakers. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e\u0007',
    '💥'.repeat(100),
    'x'.repeat(201),
    'x'.repeat(5001),
    "'; drop table events; --",
    '../../etc/passwd',
    '%00',
    '__proto__',
    'NaN',
    '-1',
    '1e999',
  ),
);

/** JSON values of every type, including numbers JSON can carry but JavaScript rounds. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  anyText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 2 ** 53 + 1, 1e308, -0, true, false, null),
  fc.array(fc.oneof(fc.integer(), anyText), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), anyText), { maxKeys: 3 }),
);

/** Instants at and past the edges of the supported range (1970–9999), malformed ones, and valid future ones. */
export const anyInstant: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
    '+010000-01-01T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2030-02-30T00:00:00Z',
    '2030-01-01T24:00:00Z',
    '2030-01-01T00:00:00+14:00',
    '2030-01-01T00:00:00-23:59',
    '2030-01-01T00:00:00+99:99',
    '2030-01-01',
    '2030-01-01T00:00:00',
    '275760-09-13T00:00:00.000Z',
  ),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
  futureInstant(),
  anyText,
);

/** A valid instant in the future (up to the last day of 9999). */
export function futureInstant(): fc.Arbitrary<string> {
  return fc
    .date({
      min: new Date(Date.now() + 86_400_000),
      max: new Date('9999-12-30T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString());
}

/** Ids: real ones, unknown UUIDs, and anything else a path segment can hold. */
export function anyId(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...real),
    fc.constantFrom(...real).map((id) => id.toUpperCase()),
    fc.uuid(),
    // Not "." or "..": a client's URL parser removes those segments before sending.
    fc.constantFrom('00000000-0000-0000-0000-000000000000', '...', 'x'.repeat(3000), 'null'),
    anyText.filter((t) => t.length > 0 && t !== '.' && t !== '..'),
  );
}

/** Cursors: ones the API issued, tampered ones, well-formed ones naming odd positions, and junk. */
export function anyCursor(issued: readonly string[], instantKey: 's' | 'c'): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...issued),
    fc.constantFrom(...issued).map((c) => `${c.slice(0, -2)}${c.endsWith('A') ? 'B' : 'A'}`),
    fc
      .record({ t: anyInstant, i: fc.oneof(fc.uuid(), anyText) })
      .map(({ t, i }) => base64url(JSON.stringify({ [instantKey]: t, i }))),
    anyJson.map((v) => base64url(JSON.stringify(v) ?? '')),
    fc.constantFrom('A'.repeat(10_000), '====', '+/', base64url('{"s":')),
    anyText,
  );
}

/** Session cookies: the given valid ones, none, expired, tampered, signed with another key, junk. */
export function anyCookie(valid: readonly string[]): fc.Arbitrary<string | undefined> {
  const uid = '3f1c2a9e-2b7d-4c1e-9a55-0d6f0b1c2d3e';
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    fc.constant(undefined),
    fc.constant(`sid=${encodeSession(newSession(uid, 3600, Date.now() - 7_200_000), [TEST_SESSION_KEY])}`),
    fc.constantFrom(...valid).map((c) => `${c.slice(0, -3)}${c.endsWith('x') ? 'yyy' : 'xxx'}`),
    fc.constant(`sid=${encodeSession(newSession(uid, 3600), ['another-key-0123456789abcdef-0123456789ab'])}`),
    fc.constantFrom(...valid).map((c) => `${c}; ${sessionCookieFor(uid)}`),
    fc.constantFrom('sid=', 'sid', 'sid=%zz', `sid=${'a'.repeat(8000)}`, 'sid=a.b.c.d'),
  );
}

/** Header-safe text (a client cannot send control characters or non-Latin-1 in a header). */
export const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

/** A JSON body: the valid one, one field changed to any value, one removed, one added, or not JSON at all. */
export function anyJsonBody(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Buffer> {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? '');
  return fc.oneof(
    { weight: 3, arbitrary: valid.map(json) },
    { weight: 3, arbitrary: mutatedBody(valid).map(json) },
    anyJson.map(json),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc
      .constantFrom(
        '',
        '{',
        '{"a":',
        'null',
        '[]',
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
        '\ufeff{}',
      )
      .map((t) => Buffer.from(t)),
    fc.constant(Buffer.from(JSON.stringify({ pad: 'a'.repeat(2_000_000) }))),
  );
}

/** The valid body with exactly one thing wrong: a field of the wrong type or value, missing, or unknown. */
export function mutatedBody(
  valid: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return valid.chain((body) => {
    const keys = Object.keys(body);
    return fc.oneof(
      fc
        .record({ key: fc.constantFrom(...keys), value: anyJson })
        .map(({ key, value }) => ({ ...body, [key]: value })),
      fc
        .constantFrom(...keys)
        .map((key) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key))),
      fc
        .record({ key: fc.string({ minLength: 1, maxLength: 10 }), value: anyJson })
        .map(({ key, value }) => ({
          ...body,
          [keys.includes(key) ? `${key}_x` : key]: value,
        })),
    );
  });
}

/** Content-Type values, mostly right, and Content-Encoding with the body encoded as said (or not). */
export const anyContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    undefined,
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=bogus',
    'APPLICATION/JSON',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/merge-patch+json',
    'image/png',
    '',
    '*/*',
  ),
);

export interface Encoded {
  body: Buffer;
  headers: Record<string, string>;
}

/** Encodes `body` as gzip or deflate (or claims to and does not), or leaves it as it is. */
export function anyEncoding(body: Buffer): fc.Arbitrary<Encoded> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ body, headers: {} }) },
    fc.constant({ body: gzipSync(body), headers: { 'content-encoding': 'gzip' } }),
    fc.constant({ body: deflateSync(body), headers: { 'content-encoding': 'deflate' } }),
    fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip, gzip', 'x-bogus').map((e) => ({
      body,
      headers: { 'content-encoding': e },
    })),
    fc.constant({ body: gzipSync(body).subarray(0, 10), headers: { 'content-encoding': 'gzip' } }),
  );
}
