import request from 'supertest';
import sharp from 'sharp';
import { TestStack, sessionCookieFor, startTestStack } from '../support';
import { SVG, makeImage, pngBomb } from './image-fixtures';

/** 300 KiB in this stack, so a too-large upload costs little to send. */
const IMAGE_LIMIT = 300 * 1024;

describe('event images through the gateway', () => {
  let stack: TestStack;
  const organizerId = crypto.randomUUID();
  const organizer = sessionCookieFor(organizerId);
  const stranger = sessionCookieFor(crypto.randomUUID());

  beforeAll(async () => {
    stack = await startTestStack({ env: { IMAGE_MAX_BYTES: String(IMAGE_LIMIT) } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function newEvent(): Promise<{ id: string; version: number }> {
    const res = await request(stack.gatewayUrl)
      .post('/api/events')
      .set('cookie', organizer)
      .send({
        title: 'Gallery night',
        venue: 'Hall',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: 5,
      });
    expect(res.status).toBe(201);
    expect(res.body.imageUrl).toBeNull();
    return res.body;
  }

  function upload(id: string, bytes: Buffer, type: string, cookie = organizer) {
    return request(stack.gatewayUrl)
      .put(`/api/events/${id}/image`)
      .set('cookie', cookie)
      .set('content-type', type)
      .send(bytes);
  }

  async function eventNow(id: string) {
    const res = await request(stack.gatewayUrl).get(`/api/events/${id}`);
    expect(res.status).toBe(200);
    return res.body as { version: number; imageUrl: string | null };
  }

  function thumbnail(url: string, accept?: string) {
    const req = request(stack.gatewayUrl)
      .get(url)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    return accept ? req.set('accept', accept) : req;
  }

  test('when the organizer uploads a PNG, then the event names a versioned imageUrl and its version moves on', async () => {
    const event = await newEvent();
    const res = await upload(event.id, await makeImage('png'), 'image/png');
    expect(res.status).toBe(200);
    expect(res.body.imageUrl).toBe(`/api/events/${event.id}/image?v=1`);
    expect(res.body.version).toBe(event.version + 1);
    expect((await eventNow(event.id)).imageUrl).toBe(res.body.imageUrl);
  });

  test('when a page asks for four sizes, then each is made on demand in the format Accept allows', async () => {
    const event = await newEvent();
    const { body } = await upload(event.id, await makeImage('jpeg', 1000, 750), 'image/jpeg');
    const cases = [
      { w: 160, accept: 'image/avif,image/webp,*/*', type: 'image/avif', format: 'heif' },
      { w: 320, accept: 'image/webp,*/*;q=0.8', type: 'image/webp', format: 'webp' },
      { w: 640, accept: 'text/html,*/*', type: 'image/jpeg', format: 'jpeg' },
      { w: 1280, accept: undefined, type: 'image/jpeg', format: 'jpeg' },
    ];
    for (const c of cases) {
      const res = await thumbnail(`${body.imageUrl}&w=${c.w}`, c.accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(c.type);
      expect(res.headers.vary).toMatch(/accept/i);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.etag).toMatch(/^"[^"]+"$/);
      const meta = await sharp(res.body as Buffer).metadata();
      expect(meta.format).toBe(c.format);
      // Never enlarged: the original is 1000 wide.
      expect(meta.width).toBe(Math.min(c.w, 1000));
    }
  });

  test('when a thumbnail is asked for again with its ETag, then the answer is 304 with no body', async () => {
    const event = await newEvent();
    const { body } = await upload(event.id, await makeImage('webp'), 'image/webp');
    const first = await thumbnail(`${body.imageUrl}&w=320`, 'image/webp');
    expect(first.status).toBe(200);
    const again = await thumbnail(`${body.imageUrl}&w=320`, 'image/webp').set(
      'if-none-match',
      first.headers.etag!,
    );
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(first.headers.etag);
    const repeat = await thumbnail(`${body.imageUrl}&w=320`, 'image/webp');
    expect(Buffer.compare(repeat.body as Buffer, first.body as Buffer)).toBe(0);
  });

  test('when the image is replaced, then the new URL is another version and the old one is gone', async () => {
    const event = await newEvent();
    const first = (await upload(event.id, await makeImage('png'), 'image/png')).body;
    const second = (await upload(event.id, await makeImage('png', 400, 400), 'image/png')).body;
    expect(second.imageUrl).toBe(`/api/events/${event.id}/image?v=2`);
    expect((await thumbnail(`${second.imageUrl}&w=160`)).status).toBe(200);
    expect((await thumbnail(`${first.imageUrl}&w=160`)).status).toBe(404);
  });

  test('when the organizer deletes the image, then it is 204, imageUrl is null and the image is 404; a second delete is 404', async () => {
    const event = await newEvent();
    const { body } = await upload(event.id, await makeImage('png'), 'image/png');
    const del = await request(stack.gatewayUrl)
      .delete(`/api/events/${event.id}/image`)
      .set('cookie', organizer);
    expect(del.status).toBe(204);
    expect((await eventNow(event.id)).imageUrl).toBeNull();
    expect((await thumbnail(`${body.imageUrl}&w=160`)).status).toBe(404);
    expect((await thumbnail(`/api/events/${event.id}/image?w=160`)).status).toBe(404);
    const again = await request(stack.gatewayUrl)
      .delete(`/api/events/${event.id}/image`)
      .set('cookie', organizer);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
    // A later upload never reuses the deleted version's URL.
    expect((await upload(event.id, await makeImage('png'), 'image/png')).body.imageUrl).toMatch(/\?v=2$/);
  });

  test("when another user uploads to or deletes an organizer's image, then it is 403 and nothing changes", async () => {
    const event = await newEvent();
    await upload(event.id, await makeImage('png'), 'image/png');
    const before = await eventNow(event.id);
    const put = await upload(event.id, await makeImage('png'), 'image/png', stranger);
    expect(put.status).toBe(403);
    expect(put.body.error.code).toBe('forbidden');
    const del = await request(stack.gatewayUrl)
      .delete(`/api/events/${event.id}/image`)
      .set('cookie', stranger);
    expect(del.status).toBe(403);
    expect(await eventNow(event.id)).toEqual(before);
  });

  test('when nobody is signed in, then uploading is 401', async () => {
    const event = await newEvent();
    const res = await request(stack.gatewayUrl)
      .put(`/api/events/${event.id}/image`)
      .set('content-type', 'image/png')
      .send(await makeImage('png'));
    expect(res.status).toBe(401);
  });

  describe('bad uploads are a clear 4xx and change nothing', () => {
    const cases: [string, () => Promise<{ bytes: Buffer; type: string }>, number, string][] = [
      [
        'a decompression bomb (a PNG claiming 30000×30000)',
        async () => ({ bytes: await pngBomb(), type: 'image/png' }),
        422,
        'image_too_large',
      ],
      [
        'a truncated JPEG',
        async () => ({ bytes: (await makeImage('jpeg')).subarray(0, 2000), type: 'image/jpeg' }),
        422,
        'image_invalid',
      ],
      [
        'a truncated PNG',
        async () => {
          const png = await makeImage('png');
          return { bytes: png.subarray(0, Math.floor(png.length / 2)), type: 'image/png' };
        },
        422,
        'image_invalid',
      ],
      [
        'a PNG sent as image/jpeg',
        async () => ({ bytes: await makeImage('png'), type: 'image/jpeg' }),
        422,
        'image_invalid',
      ],
      ['an SVG', async () => ({ bytes: SVG, type: 'image/svg+xml' }), 415, 'unsupported_media_type'],
      ['an SVG sent as image/png', async () => ({ bytes: SVG, type: 'image/png' }), 422, 'image_invalid'],
      [
        'a GIF type',
        async () => ({ bytes: Buffer.from('GIF89a'), type: 'image/gif' }),
        415,
        'unsupported_media_type',
      ],
      [
        'JSON',
        async () => ({ bytes: Buffer.from('{"a":1}'), type: 'application/json' }),
        415,
        'unsupported_media_type',
      ],
      [
        'an empty body',
        async () => ({ bytes: Buffer.alloc(0), type: 'image/png' }),
        400,
        'validation_failed',
      ],
      [
        'a body over the image limit',
        async () => ({
          bytes: Buffer.concat([await makeImage('png'), Buffer.alloc(IMAGE_LIMIT)]),
          type: 'image/png',
        }),
        413,
        'payload_too_large',
      ],
    ];
    test.each(cases)('when the body is %s, then it is refused', async (_what, make, status, code) => {
      const event = await newEvent();
      const before = await eventNow(event.id);
      const { bytes, type } = await make();
      const res = await upload(event.id, bytes, type);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(await eventNow(event.id)).toEqual(before);
    });
  });

  describe('bad thumbnail requests', () => {
    test.each(['100', '0', 'abc', '640px', '1280,160'])(
      'when w is %s, then it is 400 validation_failed',
      async (w) => {
        const event = await newEvent();
        await upload(event.id, await makeImage('png'), 'image/png');
        const res = await request(stack.gatewayUrl).get(`/api/events/${event.id}/image?w=${w}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      },
    );

    test.each(['0', '-1', 'x', '1e3'])('when v is %s, then it is 400 validation_failed', async (v) => {
      const event = await newEvent();
      const res = await request(stack.gatewayUrl).get(`/api/events/${event.id}/image?w=160&v=${v}`);
      expect(res.status).toBe(400);
    });

    test('when the event has no image, is unknown, or the id is malformed, then it is 404', async () => {
      const event = await newEvent();
      for (const path of [
        `/api/events/${event.id}/image`,
        `/api/events/${crypto.randomUUID()}/image`,
        '/api/events/not-an-id/image',
      ]) {
        const res = await request(stack.gatewayUrl).get(path);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });
  });

  test('when a burst asks for one cold size at once, then every request gets the same bytes and the process makes it once', async () => {
    const event = await newEvent();
    const { body } = await upload(event.id, await makeImage('png', 1200, 900), 'image/png');
    const metricsBefore = await madeCount();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => thumbnail(`${body.imageUrl}&w=640`, 'image/webp')),
    );
    for (const res of results) {
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body as Buffer, results[0]!.body as Buffer)).toBe(0);
    }
    expect((await madeCount()) - metricsBefore).toBe(1);
  });

  async function madeCount(): Promise<number> {
    const events = stack.process('events-1');
    const text = (await request(`http://127.0.0.1:${events.port}`).get('/metrics')).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith('thumbnails_total{') && l.includes('source="made"'));
    return line ? Number(line.split(' ')[1]) : 0;
  }
});
