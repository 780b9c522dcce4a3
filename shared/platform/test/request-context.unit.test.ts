import { execFileSync } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { requestContext } from '../src/http/request-context';

/** A logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function request(headers: Record<string, string>, url = '/api/events/1'): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = url;
  req.headers = headers;
  return req;
}

describe('requestContext: the request id and the request logger', () => {
  test('when a request passes, then its log carries its id, method and URL, and is one logger however often read', () => {
    const { logger, lines } = capturingLogger();
    const req = request({ 'x-request-id': 'abc-123' });
    const res = new ServerResponse(req);
    requestContext(logger)(req as never, res as never, () => undefined);

    expect(req.id).toBe('abc-123');
    expect(res.getHeader('x-request-id')).toBe('abc-123');
    expect(req.log).toBe(req.log);
    req.log.info('hello');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'hello',
        requestId: 'abc-123',
        req: { id: 'abc-123', method: 'GET', url: '/api/events/1' },
      }),
    ]);
  });

  test('when two requests pass, then each has a logger of its own; a bad id is replaced by a UUID', () => {
    const { logger, lines } = capturingLogger();
    const first = request({ 'x-request-id': 'first' });
    const second = request({ 'x-request-id': 'not ok: spaces' });
    for (const req of [first, second])
      requestContext(logger)(req as never, new ServerResponse(req) as never, () => undefined);

    expect(second.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.log).not.toBe(second.log);
    second.log.info('two');
    first.log.info('one');
    expect(lines.map((line) => [line.msg, line.requestId])).toEqual([
      ['two', second.id],
      ['one', 'first'],
    ]);
  });

  // Regression: `req.log` was defined on each request with a getter closure of its own, which
  // gave every request object its own hidden class in V8 (the gateway's CPU per proxied read fell
  // ~20 % once it was one getter on the prototype). V8's natives syntax tells shapes apart.
  test('when two requests pass, then they keep one hidden class, as two plain requests have', () => {
    const fixture = join(__dirname, 'fixtures', 'request-shape.cjs');
    const output = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', fixture], {
      encoding: 'utf8',
    });
    expect(output).toBe('true');
  });

  test('when a request never passed the context, then it has no logger (sendError then logs nothing)', () => {
    expect(request({}).log).toBeUndefined();
  });
});
