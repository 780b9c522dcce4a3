import { closeSync, mkdirSync, openSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nothing listens on right now (the OS picks it); see freePort. */
function portFromOs(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Where handed-out ports are noted, for every process of this machine that starts stacks. */
const RESERVATIONS = join(tmpdir(), 'boxoffice-ports');
/** A note older than this is stale: its stack has bound the port (or given it up) long since. */
const RESERVATION_MS = 10 * 60_000;

/** Notes `port` as handed out; false when another process (or this one) did so in the last 10 min. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
      utimesSync(file, new Date(), new Date()); // stale: take it over
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * A port nothing listens on right now, for a process about to be started. The OS picks it, and it
 * is noted (an empty file under the temp folder) so that no other caller on this machine is
 * handed the same port for 10 minutes: between this answer and the child's bind, seconds pass,
 * and two jest workers starting stacks at once could otherwise both be given it; one child would
 * then fail to bind while the other's process answered its readiness checks.
 */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await portFromOs();
    if (reserve(port) || attempt >= 50) return port;
  }
}

/** Resolves true when `port` can be bound on `host`. */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}
