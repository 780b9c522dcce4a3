import { createServer, RequestListener, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';

/** A resource closed on shutdown, in the order given. */
export interface ShutdownStep {
  name: string;
  close: () => Promise<unknown> | unknown;
}

export interface ServeOptions {
  /** An Express app, or any request listener (the gateway's: a fast path in front of its app). */
  app: RequestListener;
  port: number;
  host: string;
  logger: Logger;
  /** Closed after the server stops accepting and drains, in order: bus, Redis, then Postgres. */
  steps: readonly ShutdownStep[];
  /** How long in-flight requests may take to finish before their sockets are closed. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, drains, then runs every step even if one fails. Idempotent. */
  shutdown: (reason: string) => Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * What Node's HTTP parser refuses before Express sees the request, answered in the API's JSON
 * error format instead of a bare status line: headers over Node's 16 KiB limit (a giant cookie,
 * found by the fuzz suite) are a 431, any other unparsable request a 400.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'headers_too_large', message: 'The request headers exceed 16 KiB (cookies included)' }
      : { code: 'validation_failed', message: 'The request is not valid HTTP' },
  });
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Listens and wires graceful shutdown; the process entry (server.ts) decides when to call it. */
export async function serveHttp(options: ServeOptions): Promise<RunningServer> {
  const server = createServer(options.app);
  server.on('clientError', answerClientError);
  // Longer than the gateway's keep-alive so the gateway, not us, closes idle sockets (no reset races).
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, options.port, options.host);
  let stopping: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      options.logger.info({ reason }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drainMs = options.drainTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      for (const step of options.steps) {
        try {
          await step.close();
        } catch (err) {
          options.logger.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
      options.logger.info('stopped');
    })();
    return stopping;
  };
  return { server, port, shutdown };
}

/**
 * Calls `shutdown` on SIGTERM, SIGINT, or when the parent that spawned us over IPC goes away
 * (so `npm start` killed with SIGKILL leaves no orphans), then exits 0.
 */
export function exitOnSignals(shutdown: (reason: string) => Promise<void>): void {
  const stop = (reason: string) => {
    void shutdown(reason).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.send) process.once('disconnect', () => stop('parent gone'));
}
