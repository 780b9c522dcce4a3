import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { parseBody, sessionCookieOf } from '../api/api-client';
import type { RunRecorder } from './stats';

/** When the run stops: a deadline, or a number of requests handed out. */
export class RunBudget {
  private handedOut = 0;
  private stopped = false;
  readonly startedAt = performance.now();

  constructor(
    private readonly bound: { kind: 'duration'; seconds: number } | { kind: 'requests'; count: number },
  ) {}

  /** Claims one request; false once the run is over (no more requests may start). */
  take(): boolean {
    if (this.stopped) return false;
    if (
      this.bound.kind === 'requests'
        ? this.handedOut >= this.bound.count
        : this.elapsedMs() >= this.bound.seconds * 1000
    ) {
      this.stopped = true;
      return false;
    }
    this.handedOut++;
    return true;
  }

  /** Ends the run early (Ctrl-C). */
  stop(): void {
    this.stopped = true;
  }

  get isOver(): boolean {
    return this.stopped;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** 0..1, for the progress bar. */
  fraction(): number {
    const f =
      this.bound.kind === 'requests'
        ? this.handedOut / this.bound.count
        : this.elapsedMs() / (this.bound.seconds * 1000);
    return Math.min(1, f);
  }
}

export interface LoadRequest {
  operation: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses that count as success for this operation. */
  expect: readonly number[];
  /** Shard label for statistics, if known before the answer ("events 9-f"). */
  shard?: string;
  /** Shard label derived from the answer (e.g. from the id of what was created). */
  shardOf?: (status: number, body: unknown) => string | undefined;
}

export interface LoadResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Per-request timeout: far above any expected answer (the purchase waits up to 2 s), so only a hang trips it. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The client of a run: one keep-alive connection pool to the target (as many connections as
 * virtual users), every request timed and recorded. `send` returns null once the budget is
 * spent, so a scenario's iteration simply ends.
 */
export class LoadClient {
  private readonly pool: Pool;

  constructor(
    readonly baseUrl: string,
    connections: number,
    private readonly budget: RunBudget,
    private readonly recorder: RunRecorder,
  ) {
    this.pool = new Pool(baseUrl, {
      connections,
      pipelining: 1,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  async send(req: LoadRequest): Promise<LoadResponse | null> {
    if (!this.budget.take()) return null;
    const started = performance.now();
    let status = 0;
    let body: unknown;
    let headers: LoadResponse['headers'] = {};
    try {
      const res = await this.pool.request({
        method: req.method ?? 'GET',
        path: req.path,
        headers: {
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...req.headers,
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
      });
      status = res.statusCode;
      headers = res.headers;
      const text = await res.body.text();
      body = parseBody(text);
    } catch {
      // No answer (refused, reset, timed out): status stays 0 and counts as a "network" error.
    }
    const finished = performance.now();
    this.recorder.record({
      operation: req.operation,
      status,
      ok: req.expect.includes(status),
      latencyMs: finished - started,
      atMs: finished - this.budget.startedAt,
      shard: req.shard ?? req.shardOf?.(status, body),
    });
    return { status, body, headers };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The `sid=…` pair from a Set-Cookie header, to send back as Cookie. */
export function sessionCookie(headers: LoadResponse['headers']): string | undefined {
  const raw = headers['set-cookie'];
  return sessionCookieOf(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
}
