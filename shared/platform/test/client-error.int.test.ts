import { connect } from 'node:net';
import express from 'express';
import pino from 'pino';
import { RunningServer, serveHttp } from '../src/http/serve';

/**
 * What Node's HTTP parser refuses before any route runs is still answered in the API's JSON
 * error format (found by the fuzz suite: a 20 KB cookie got a bare 431 with no body).
 */
let running: RunningServer;

beforeAll(async () => {
  const app = express();
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  running = await serveHttp({
    app,
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
    steps: [],
  });
});

afterAll(async () => {
  await running?.shutdown('test done');
});

/** Sends `raw` on a fresh connection and returns everything the server wrote before closing. */
function rawRequest(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(running.port, '127.0.0.1', () => socket.end(raw));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parse(answer: string): { status: number; type: string | undefined; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n');
  const status = Number(head!.split(' ')[1]);
  const type = /content-type: ([^\r\n]+)/i.exec(head!)?.[1];
  return { status, type, body: JSON.parse(body!) };
}

describe('requests Node refuses before routing', () => {
  test('when the headers exceed 16 KiB (a giant cookie), then the answer is a JSON 431 naming the problem', async () => {
    const answer = await rawRequest(
      `GET /ok HTTP/1.1\r\nHost: x\r\nCookie: sid=${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const { status, type, body } = parse(answer);
    expect(status).toBe(431);
    expect(type).toMatch(/^application\/json/);
    expect(body).toEqual({ error: { code: 'headers_too_large', message: expect.stringMatching(/16 KiB/) } });
  });

  test('when the request is not HTTP, then the answer is a JSON 400', async () => {
    const { status, body } = parse(await rawRequest('NOT HTTP AT ALL\r\n\r\n'));
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'validation_failed', message: 'The request is not valid HTTP' } });
  });

  test('when a refused request is followed by a valid one, then the server still answers', async () => {
    await rawRequest(`GET /ok HTTP/1.1\r\nHost: x\r\nCookie: ${'b'.repeat(20_000)}\r\n\r\n`);
    const res = await fetch(`http://127.0.0.1:${running.port}/ok`);
    expect(res.status).toBe(200);
  });
});
