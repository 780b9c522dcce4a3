import { IDENTITY_HEADER, newId, signIdentity } from '@boxoffice/platform';
import { EventsHarness, newEventBody, startEvents } from './events-test-kit';

/** Bad input is a 4xx naming the problem, never a 5xx, and never changes stored data. */
describe('bad input to the events API', () => {
  let events: EventsHarness;
  const organizer = newId();
  const past = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    events = await startEvents();
  });

  afterAll(async () => {
    await events?.close();
  });

  async function countEvents(): Promise<number> {
    const results = await events.service.ctx.dbs.scatter(async (db) => {
      const row = await db('events').count<{ count: string }[]>('* as count');
      return Number(row[0]!.count);
    });
    return results.reduce((sum, r) => sum + (r.ok ? r.value : NaN), 0);
  }

  describe('POST /api/events', () => {
    test.each<[string, unknown, string]>([
      ['malformed JSON', '{"title": "x",', 'malformed_json'],
      ['a JSON array', '[]', 'validation_failed'],
      ['an empty object', {}, 'validation_failed'],
      ['a missing title', newEventBody({ title: undefined }), 'validation_failed'],
      ['a missing startsAt', newEventBody({ startsAt: undefined }), 'validation_failed'],
      ['an extra field', newEventBody({ seatsSold: 5 }), 'validation_failed'],
      ['an empty title', newEventBody({ title: '' }), 'validation_failed'],
      ['a blank title', newEventBody({ title: '   ' }), 'validation_failed'],
      ['a 201-character title', newEventBody({ title: 'x'.repeat(201) }), 'validation_failed'],
      ['a 201-character venue', newEventBody({ venue: 'v'.repeat(201) }), 'validation_failed'],
      ['a 5001-character description', newEventBody({ description: 'd'.repeat(5001) }), 'validation_failed'],
      ['a NUL in the title', newEventBody({ title: 'a\u0000b' }), 'validation_failed'],
      ['a numeric title', newEventBody({ title: 42 }), 'validation_failed'],
      ['startsAt in the past', newEventBody({ startsAt: past }), 'validation_failed'],
      ['startsAt without a zone', newEventBody({ startsAt: '2040-01-01T20:00:00' }), 'validation_failed'],
      ['startsAt as a date only', newEventBody({ startsAt: '2040-01-01' }), 'validation_failed'],
      ['startsAt as epoch millis', newEventBody({ startsAt: Date.now() + 86_400_000 }), 'validation_failed'],
      [
        'startsAt past year 9999',
        newEventBody({ startsAt: '9999-12-31T23:00:00-05:00' }),
        'validation_failed',
      ],
      ['startsAt not a date', newEventBody({ startsAt: 'next friday' }), 'validation_failed'],
      ['capacity 0', newEventBody({ capacity: 0 }), 'validation_failed'],
      ['capacity 1,000,001', newEventBody({ capacity: 1_000_001 }), 'validation_failed'],
      ['a fractional capacity', newEventBody({ capacity: 10.5 }), 'validation_failed'],
      ['capacity as a string', newEventBody({ capacity: '100' }), 'validation_failed'],
      ['a negative capacity', newEventBody({ capacity: -1 }), 'validation_failed'],
    ])('when the body has %s, then it is 400 and nothing is stored', async (_name, body, code) => {
      const before = await countEvents();
      const res = await events.call('POST', '/api/events', { userId: organizer, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(await countEvents()).toBe(before);
    });

    test('when a field is bad, then the error names it', async () => {
      const res = await events.call('POST', '/api/events', {
        userId: organizer,
        body: newEventBody({ capacity: 0, startsAt: past }),
      });
      const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['body.capacity', 'body.startsAt']));
    });

    test('when the limits are hit exactly, then it is 201', async () => {
      const res = await events.call('POST', '/api/events', {
        userId: organizer,
        body: newEventBody({
          title: 't'.repeat(200),
          venue: 'v'.repeat(200),
          description: 'd'.repeat(5000),
          capacity: 1_000_000,
        }),
      });
      expect(res.status).toBe(201);
      const small = await events.call('POST', '/api/events', {
        userId: organizer,
        body: newEventBody({ capacity: 1 }),
      });
      expect(small.status).toBe(201);
    });

    test('when the body is not JSON at all, then it is 400', async () => {
      const res = await events.call('POST', '/api/events', {
        userId: organizer,
        headers: { 'content-type': 'text/plain' },
        body: 'title=x',
      });
      expect(res.status).toBe(400);
    });

    test.each([
      ['no identity', {}],
      [
        'a forged identity',
        { [IDENTITY_HEADER]: signIdentity(organizer, ['some-other-key-0123456789abcdef']) },
      ],
      [
        'an expired identity',
        { [IDENTITY_HEADER]: signIdentity(organizer, ['test-internal-key-0123456789abcdef'], 0) },
      ],
      ['junk', { [IDENTITY_HEADER]: 'v1.x.y.z' }],
    ])('when there is %s, then it is 401 unauthenticated', async (_name, headers) => {
      const res = await events.call('POST', '/api/events', { headers, body: newEventBody() });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    test('when the signed identity is not a user id, then it is 401, not a failed insert', async () => {
      const res = await events.call('POST', '/api/events', { userId: 'admin', body: newEventBody() });
      expect(res.status).toBe(401);
    });
  });

  describe('PATCH /api/events/:id', () => {
    let eventId: string;

    beforeAll(async () => {
      eventId = (await events.createEvent(organizer)).id;
    });

    test.each<[string, unknown]>([
      ['malformed JSON', '{"title":'],
      ['an empty object', {}],
      ['an unknown field', { seatsSold: 3 }],
      ['an organizer change', { organizerId: newId() }],
      ['an overlong title', { title: 'x'.repeat(201) }],
      ['a past startsAt', { startsAt: past }],
      ['capacity 0', { capacity: 0 }],
      ['capacity 1,000,001', { capacity: 1_000_001 }],
      ['an unknown status', { status: 'sold_out' }],
      ['a null title', { title: null }],
    ])('when the body has %s, then it is 400 and the event is unchanged', async (_name, body) => {
      const res = await events.call('PATCH', `/api/events/${eventId}`, { userId: organizer, body });
      expect(res.status).toBe(400);
      const read = await events.call('GET', `/api/events/${eventId}`);
      expect(read.body.version).toBe(1);
    });

    test('when there is no identity, then it is 401', async () => {
      const res = await events.call('PATCH', `/api/events/${eventId}`, { body: { title: 'x' } });
      expect(res.status).toBe(401);
    });
  });

  describe('GET /api/events', () => {
    test.each([
      ['limit=0', 'validation_failed'],
      ['limit=101', 'validation_failed'],
      ['limit=-1', 'validation_failed'],
      ['limit=abc', 'validation_failed'],
      ['limit=2.5', 'validation_failed'],
      ['limit=', 'validation_failed'],
      ['limit=1&limit=2', 'validation_failed'],
      ['from=yesterday', 'validation_failed'],
      ['from=0000-01-01T00:00:00Z', 'validation_failed'],
      ['to=9999-12-31T23:00:00-05:00', 'validation_failed'],
      ['to=2040-13-01T00:00:00Z', 'validation_failed'],
      ['from=2040-01-02T00:00:00Z&to=2040-01-01T00:00:00Z', 'validation_failed'],
      ['cursor=garbage!', 'invalid_cursor'],
      ['cursor=eyJmb28iOjF9', 'invalid_cursor'],
      ['cursor=', 'invalid_cursor'],
    ])('when the query is %s, then it is 400 %s', async (query, code) => {
      const res = await events.call('GET', `/api/events?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
    });
  });
});
