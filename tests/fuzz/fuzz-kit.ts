import { Pool } from 'pg';
import { SERVICE_NAMES, Topology } from '@boxoffice/runtime';
import { openApiDocument } from '../../gateway/src';
import { TestStack, assertMatchesOpenApi, logTail } from '../support';

/** FUZZ_RUNS=N runs each property N times (the CI default is small enough to add about a minute). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0) || undefined;

/** Jest's 120 s by default; a longer FUZZ_RUNS run gets 250 ms a run on top (a loaded machine's pace). */
export const FUZZ_TIMEOUT_MS = FUZZ_RUNS ? 120_000 + FUZZ_RUNS * 250 : 120_000;

/** The tables whose rows differ between two fingerprints, e.g. ["tickets_0_2.tickets"]. */
export function changedTables(before: string, after: string): string[] {
  const parse = (fp: string) => new Set(fp.split(/[|,]/).filter(Boolean));
  const was = parse(before);
  return [...parse(after)].filter((entry) => !was.has(entry)).map((entry) => entry.split(':')[0]!);
}

/** One generated request, as raw as a client can send it. */
export interface FuzzRequest {
  /** "GET /api/events/{id}": the documented operation it targets. */
  operation: string;
  method: string;
  /** The path with parameters filled in, and the query string. */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzResponse {
  status: number;
  body: unknown;
}

/** Every operation in the OpenAPI document, as "METHOD /template". */
export function documentedOperations(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, ops]) =>
    Object.keys(ops as object).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** What a request looked like, for a failure message (bodies cut to 300 bytes). */
export function describeRequest(req: FuzzRequest): string {
  const body = req.body
    ? ` body(${req.body.length} B)=${JSON.stringify(req.body.subarray(0, 300).toString('latin1'))}`
    : '';
  return `${req.method} ${req.url} headers=${JSON.stringify(req.headers)}${body}`;
}

/** Sends `req` to the stack's gateway; the body is parsed when the answer says it is JSON. */
export async function send(stack: TestStack, req: FuzzRequest): Promise<FuzzResponse> {
  const res = await fetch(`${stack.gatewayUrl}${req.url}`, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  let body: unknown = text;
  if (json && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(
        `${describeRequest(req)} → ${res.status} with a JSON content type but a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
  }
  return { status: res.status, body };
}

/**
 * The properties every answer must have: not a 5xx, documented (status and body match the
 * OpenAPI document), and every process of the stack still alive.
 */
export function assertSound(stack: TestStack, req: FuzzRequest, res: FuzzResponse): void {
  if (res.status >= 500)
    throw new Error(`${describeRequest(req)} → ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  const path = req.url.split('?')[0]!;
  try {
    assertMatchesOpenApi(req.method, path, res.status, res.body);
  } catch (err) {
    throw new Error(`${describeRequest(req)}: ${(err as Error).message}`, { cause: err });
  }
  assertAllAlive(stack);
}

export function assertAllAlive(stack: TestStack): void {
  for (const proc of stack.processes) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(
        `${proc.name} died (${proc.child.exitCode ?? proc.child.signalCode}):\n${logTail(proc.logFile)}`,
      );
  }
}

/** Every row of every table on every shard, hashed: equal fingerprints mean no stored data changed. */
export class DataFingerprint {
  private readonly pools: Pool[];
  private readonly names: string[];

  constructor(topology: Topology) {
    const shards = SERVICE_NAMES.flatMap((service) =>
      topology.services[service].shards.map((shard) => ({
        name: `${service}_${shard.name}`,
        url: shard.primary,
      })),
    );
    this.pools = shards.map((shard) => new Pool({ connectionString: shard.url, max: 1 }));
    this.names = shards.map((shard) => shard.name);
  }

  async take(): Promise<string> {
    const parts = await Promise.all(this.pools.map((pool, i) => this.ofShard(pool, this.names[i]!)));
    return parts.join('|');
  }

  /** Waits until two fingerprints 300 ms apart agree (nothing in flight), and returns it. */
  async whenQuiet(timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.take();
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await this.take();
      if (now === last) return now;
      if (Date.now() > deadline) throw new Error('the data never stopped changing');
      last = now;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end()));
  }

  private async ofShard(pool: Pool, shard: string): Promise<string> {
    const tables = await pool.query<{ name: string }>(
      "select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
    );
    if (tables.rows.length === 0) return '';
    const union = tables.rows
      .map(
        ({ name }) =>
          `select '${name}' as t, coalesce(md5(string_agg(md5(x::text), '' order by md5(x::text))), '-') as h from ${name} x`,
      )
      .join(' union all ');
    const hashes = await pool.query<{ t: string; h: string }>(`${union} order by 1`);
    return hashes.rows.map((r) => `${shard}.${r.t}:${r.h}`).join(',');
  }
}
