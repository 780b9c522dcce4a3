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

/**
 * The connection broke before an answer came: the instance died with the request on it (SIGKILL,
 * a crash) or closed a keep-alive socket as the request went out. The request may have run, so
 * only a method that may run twice is sent again (below).
 */
const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** Methods that mean the same when run twice (RFC 9110 §9.2.2) and change nothing here. */
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request that failed with `err` may go to another instance: always when it never
 * reached one; a GET, HEAD or OPTIONS also when the connection broke before any of its answer was
 * passed on (`answerStarted` false). A POST whose instance died mid-request is not resent: it may
 * have committed, and the client, who holds its idempotency key, decides.
 */
export function mayRetryElsewhere(err: unknown, method: string, answerStarted: boolean): boolean {
  if (neverConnected(err)) return true;
  const code = (err as { code?: string })?.code;
  return (
    !answerStarted &&
    code !== undefined &&
    CONNECTION_LOST.has(code) &&
    RETRYABLE_METHODS.has(method.toUpperCase())
  );
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
 * A read whose connection breaks before its answer (the instance was killed with it in flight)
 * moves on too, so killing one of two instances fails no GET.
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

  /** Sends the request to the next live instance; retries others as `mayRetryElsewhere` allows. */
  async request(
    options: Dispatcher.RequestOptions,
  ): Promise<{ instance: string; response: Dispatcher.ResponseData }> {
    return this.onSomeInstance(
      async (instance) => ({
        instance: instance.url,
        response: await instance.pool.request(options),
      }),
      (err) => mayRetryElsewhere(err, options.method, false),
    );
  }

  /**
   * Passes the request to the next live instance and its answer to `res` (pass-through.ts), retrying
   * others as `mayRetryElsewhere` allows: only while nothing has been written to `res`.
   */
  async passThrough(
    options: Dispatcher.DispatchOptions,
    res: ServerResponse,
    onHeaders: OnUpstreamHeaders,
  ): Promise<void> {
    await this.onSomeInstance(
      (instance) => passThrough(instance.pool, options, res, onHeaders),
      (err) => mayRetryElsewhere(err, options.method, res.headersSent || res.destroyed),
    );
  }

  private async onSomeInstance<T>(
    send: (instance: Instance) => Promise<T>,
    retryable: (err: unknown) => boolean,
  ): Promise<T> {
    let lastError: unknown;
    const tried = new Set<Instance>();
    const attempts = this.instances.length;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const instance = this.pick(tried);
      tried.add(instance);
      try {
        return await send(instance);
      } catch (err) {
        if (!retryable(err)) throw err;
        // A refused connect marks the instance down; a broken one does not (a keep-alive socket
        // the instance closed as it idled out breaks too): if it is dead, the next connect is refused.
        if (neverConnected(err)) instance.downUntil = Date.now() + DOWN_FOR_MS;
        lastError = err;
      }
    }
    throw new NoInstanceError(`no ${this.service} instance is reachable`, { cause: lastError });
  }

  /**
   * Round-robin over instances not marked down and not `tried` by this request already; if all are
   * down, the next one not tried anyway (or, with the set changed under the request, any).
   */
  private pick(tried: ReadonlySet<Instance>): Instance {
    const now = Date.now();
    const count = this.instances.length;
    let fallback: number | undefined;
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count;
      const candidate = this.instances[index]!;
      if (tried.has(candidate)) continue;
      fallback ??= index;
      if (candidate.downUntil <= now) {
        this.next = (index + 1) % count;
        return candidate;
      }
    }
    const index = fallback ?? this.next % count;
    this.next = (index + 1) % count;
    return this.instances[index]!;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.instances.map((i) => i.pool.close()), ...this.retiring]);
  }
}
