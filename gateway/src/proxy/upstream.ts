import type { ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { OnUpstreamHeaders, passThrough } from './pass-through';

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

/** What changed when the instance set was replaced. */
export interface InstanceChange {
  added: string[];
  removed: string[];
}

/**
 * The instances of one service, balanced round-robin over keep-alive connection pools.
 * An instance that refuses a connection is marked down for a second (passive health check) and
 * the request moves on to the next one, so one dead instance costs nothing but a refused connect.
 *
 * The set can change while requests run (`add`, `remove`, `replaceAll`, used by DNS discovery):
 * a removed instance takes no new requests, and its pool closes once its in-flight ones finish.
 */
export class Upstream {
  readonly service: string;
  private readonly instances: Instance[] = [];
  private readonly connections: number;
  /** Pools of removed instances still finishing their requests; `close` waits for them. */
  private readonly retiring = new Set<Promise<void>>();
  private next = 0;

  constructor(service: string, urls: readonly string[], options: { connections?: number } = {}) {
    if (urls.length === 0) throw new Error(`${service} has no instances`);
    this.service = service;
    // 128 sockets per instance: enough for the load tests' concurrency without queueing in undici.
    this.connections = options.connections ?? 128;
    for (const url of urls) this.add(url);
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  /** Starts balancing over one more instance; false if it is already there. */
  add(url: string): boolean {
    if (this.instances.some((i) => i.url === url)) return false;
    this.instances.push({
      url,
      pool: new Pool(url, {
        connections: this.connections,
        keepAliveTimeout: 30_000,
        connect: { timeout: 1000 },
      }),
      downUntil: 0,
    });
    return true;
  }

  /**
   * Stops sending new requests to an instance; false if it is not there. Requests already on
   * their way finish. The last instance cannot be removed: an upstream always has somewhere to
   * send a request (discovery keeps the last known set rather than emptying it).
   */
  remove(url: string): boolean {
    const index = this.instances.findIndex((i) => i.url === url);
    if (index < 0) return false;
    if (this.instances.length === 1) throw new Error(`${this.service} cannot lose its last instance`);
    const [gone] = this.instances.splice(index, 1);
    if (index < this.next) this.next--;
    const closing = gone!.pool.close().catch(() => undefined);
    this.retiring.add(closing);
    void closing.finally(() => this.retiring.delete(closing));
    return true;
  }

  /** Makes the instance set exactly `urls` (adding before removing, so it is never empty). */
  replaceAll(urls: readonly string[]): InstanceChange {
    if (urls.length === 0) throw new Error(`${this.service} has no instances`);
    const wanted = new Set(urls);
    const added = urls.filter((url) => this.add(url));
    const removed = this.urls.filter((url) => !wanted.has(url));
    for (const url of removed) this.remove(url);
    return { added, removed };
  }

  /** Sends the request to the next live instance; retries others only when a connect failed. */
  async request(
    options: Dispatcher.RequestOptions,
  ): Promise<{ instance: string; response: Dispatcher.ResponseData }> {
    return this.onSomeInstance(async (instance) => ({
      instance: instance.url,
      response: await instance.pool.request(options),
    }));
  }

  /**
   * Passes the request to the next live instance and its answer to `res` (pass-through.ts), retrying
   * others only when a connect failed, which is before anything was written to `res`.
   */
  async passThrough(
    options: Dispatcher.DispatchOptions,
    res: ServerResponse,
    onHeaders: OnUpstreamHeaders,
  ): Promise<void> {
    await this.onSomeInstance((instance) => passThrough(instance.pool, options, res, onHeaders));
  }

  private async onSomeInstance<T>(send: (instance: Instance) => Promise<T>): Promise<T> {
    let lastError: unknown;
    const attempts = this.instances.length;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const instance = this.pick();
      try {
        return await send(instance);
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
    const count = this.instances.length;
    for (let i = 0; i < count; i++) {
      const candidate = this.instances[(this.next + i) % count]!;
      if (candidate.downUntil <= now) {
        this.next = (this.next + i + 1) % count;
        return candidate;
      }
    }
    const fallback = this.instances[this.next % count]!;
    this.next = (this.next + 1) % count;
    return fallback;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.instances.map((i) => i.pool.close()), ...this.retiring]);
  }
}
