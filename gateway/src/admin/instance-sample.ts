import { request } from 'undici';
import { CALLER_HEADER } from '@boxoffice/platform';
import { InstanceStats, instanceStatsSchema } from '@boxoffice/contracts';
import { redact } from '@boxoffice/runtime';

/**
 * One poll of one instance: `/readyz` says whether it is ready and which dependency fails,
 * `/internal/stats` gives its counters. 2.5 s: above the stats' own shard timeout (1.5 s), so a
 * slow shard is reported as slow rather than the whole instance as gone.
 */
const POLL_TIMEOUT_MS = 2500;

export interface Readiness {
  state: 'up' | 'not_ready' | 'down';
  reason: string | null;
  /** The named checks of /readyz ("redis cache": "ok", "shard users_9_f": "no answer…"). */
  checks: Record<string, string>;
}

export interface InstanceSample {
  url: string;
  readiness: Readiness;
  stats: InstanceStats | null;
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await request(url, {
    method: 'GET',
    headers,
    headersTimeout: POLL_TIMEOUT_MS,
    bodyTimeout: POLL_TIMEOUT_MS,
    signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
  });
  const text = await response.body.text();
  try {
    return { status: response.statusCode, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.statusCode, body: undefined };
  }
}

function checksOf(body: unknown): Record<string, string> {
  const b = body as { checks?: unknown; error?: { details?: { checks?: unknown } } } | undefined;
  const checks = b?.checks ?? b?.error?.details?.checks;
  if (!checks || typeof checks !== 'object') return {};
  return Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, redact(String(v))]));
}

async function readiness(base: string): Promise<Readiness> {
  try {
    const { status, body } = await getJson(`${base}/readyz`);
    const checks = checksOf(body);
    if (status === 200) return { state: 'up', reason: null, checks };
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok');
    const reason = failing.length
      ? failing.map(([k, v]) => `${k}: ${v}`).join('; ')
      : `readyz answered ${status}`;
    return { state: 'not_ready', reason, checks };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { state: 'down', reason: redact(e.code ?? e.message ?? 'no answer'), checks: {} };
  }
}

async function stats(base: string, callerHeader: string): Promise<InstanceStats | null> {
  try {
    const { status, body } = await getJson(`${base}/internal/stats?include=shards,bus,reshard`, {
      [CALLER_HEADER]: callerHeader,
    });
    if (status !== 200) return null;
    const parsed = instanceStatsSchema.safeParse(body);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Polls one instance, proving with `callerHeader` that it is the gateway; never rejects (an unreachable instance is `down`). */
export async function sampleInstance(url: string, callerHeader: string): Promise<InstanceSample> {
  const base = url.replace(/\/+$/, '');
  const [ready, figures] = await Promise.all([readiness(base), stats(base, callerHeader)]);
  return { url, readiness: ready, stats: ready.state === 'down' ? null : figures };
}
