import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Upstream } from '@boxoffice/gateway';

/**
 * What the gateway does when an instance dies with a request on it: two real HTTP servers on
 * loopback, the first of which drops the connection of every request it receives (as a process
 * SIGKILLed mid-request does), the second answers. A read goes on to the second instance; a write
 * is not sent twice.
 */
describe('an upstream whose instance drops the connection mid-request', () => {
  const seen = { dying: 0, alive: 0 };
  let dying: Server;
  let alive: Server;
  let front: Server;
  let urls: string[];

  const listen = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    dying = createServer((req) => {
      seen.dying += 1;
      req.socket.destroy();
    });
    alive = createServer((req, res) => {
      seen.alive += 1;
      res.setHeader('content-type', 'text/plain');
      res.end(`alive ${req.method}`);
    });
    urls = [await listen(dying), await listen(alive)];
  });

  beforeEach(() => {
    seen.dying = 0;
    seen.alive = 0;
  });

  afterAll(async () => {
    for (const server of [dying, alive, front]) await new Promise((resolve) => server?.close(resolve));
  });

  test('when a GET loses its connection, then the next instance answers it', async () => {
    const upstream = new Upstream('events', urls);
    try {
      const { instance, response } = await upstream.request({ path: '/', method: 'GET' });
      expect(instance).toBe(urls[1]);
      expect(await response.body.text()).toBe('alive GET');
      expect(seen).toEqual({ dying: 1, alive: 1 });
    } finally {
      await upstream.close();
    }
  });

  test('when a POST loses its connection, then it fails and is not sent to another instance', async () => {
    const upstream = new Upstream('events', urls);
    try {
      await expect(upstream.request({ path: '/', method: 'POST', body: '{}' })).rejects.toMatchObject({
        code: 'UND_ERR_SOCKET',
      });
      expect(seen).toEqual({ dying: 1, alive: 0 });
    } finally {
      await upstream.close();
    }
  });

  test('when every instance drops a GET, then it fails after each was tried once', async () => {
    const upstream = new Upstream('events', [urls[0]!, urls[0]!.replace('127.0.0.1', 'localhost')]);
    try {
      await expect(upstream.request({ path: '/', method: 'GET' })).rejects.toThrow(
        'no events instance is reachable',
      );
      expect(seen.dying).toBe(2);
    } finally {
      await upstream.close();
    }
  });

  test("when a passed-through GET loses its connection, then the client gets the next instance's answer", async () => {
    const upstream = new Upstream('events', urls);
    front = createServer((req, res) => {
      void upstream
        .passThrough({ path: '/', method: req.method as 'GET', headers: {} }, res, (status, headers) => {
          res.statusCode = status;
          res.setHeader('content-type', String(headers['content-type']));
        })
        .catch(() => {
          res.statusCode = 502;
          res.end('failed');
        });
    });
    const frontUrl = await listen(front);
    try {
      const get = await fetch(`${frontUrl}/`);
      expect([get.status, await get.text()]).toEqual([200, 'alive GET']);
      const post = await fetch(`${frontUrl}/`, { method: 'POST', body: '{}' });
      expect([post.status, await post.text()]).toEqual([502, 'failed']);
      // The GET went to both; the POST, next in the round-robin, went to the dying one and was not resent.
      expect(seen).toEqual({ dying: 2, alive: 1 });
    } finally {
      await upstream.close();
    }
  });
});
