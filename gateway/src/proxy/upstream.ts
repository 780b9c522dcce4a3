import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

/** After a failed connect, an instance is skipped this long before it is tried again. */
const DOWN_FOR_MS = 1000;

interface Instance {
  url: string;
  pool: Pool;
  downUntil: number;
}

export class NoInstanceError extends Error {}

/** Connection-level failures: the request never reached the instance, so another may take it. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
]);

export function neverConnected(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code !== undefined && NOT_CONNECTED.has(code);
}

/**
 * The instances of one service, balanced round-robin over keep-alive connection pools.
 * An instance that refuses a connection is marked down for a second (passive health check) and
 * the request moves on to the next one, so one dead instance costs nothing but a refused connect.
 */
export class Upstream {
  readonly service: string;
  private readonly instances: Instance[];
  private next = 0;

  constructor(service: string, urls: readonly string[], options: { connections?: number } = {}) {
    if (urls.length === 0) throw new Error(`${service} has no instances`);
    this.service = service;
    this.instances = urls.map((url) => ({
      url,
      // 128 sockets per instance: enough for the load tests' concurrency without queueing in undici.
      pool: new Pool(url, {
        connections: options.connections ?? 128,
        keepAliveTimeout: 30_000,
        connect: { timeout: 1000 },
      }),
      downUntil: 0,
    }));
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  /** Sends the request to the next live instance; retries others only when a connect failed. */
  async request(
    options: Dispatcher.RequestOptions,
  ): Promise<{ instance: string; response: Dispatcher.ResponseData }> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.instances.length; attempt++) {
      const instance = this.pick();
      try {
        return { instance: instance.url, response: await instance.pool.request(options) };
      } catch (err) {
        if (!neverConnected(err)) throw err;
        instance.downUntil = Date.now() + DOWN_FOR_MS;
        lastError = err;
      }
    }
    throw new NoInstanceError(`no ${this.service} instance is reachable`, { cause: lastError });
  }

  /** Round-robin over instances not marked down; if all are down, try them anyway. */
  private pick(): Instance {
    const now = Date.now();
    for (let i = 0; i < this.instances.length; i++) {
      const candidate = this.instances[(this.next + i) % this.instances.length]!;
      if (candidate.downUntil <= now) {
        this.next = (this.next + i + 1) % this.instances.length;
        return candidate;
      }
    }
    const fallback = this.instances[this.next % this.instances.length]!;
    this.next = (this.next + 1) % this.instances.length;
    return fallback;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.instances.map((i) => i.pool.close()));
  }
}
