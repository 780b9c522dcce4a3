import type { SpanRecord } from './span-buffer';

/** A trace id as W3C writes it: 32 lower-case hex digits, not all zero. */
export const TRACE_ID_PATTERN = /^(?!0{32})[0-9a-f]{32}$/;

/** One request as the Traces view lists it: the root span a trace started with. */
export interface TraceSummary {
  traceId: string;
  method: string;
  path: string;
  status: number | null;
  startMs: number;
  durationMs: number;
}

function summaryOf(span: SpanRecord): TraceSummary {
  return {
    traceId: span.traceId,
    method: String(span.attributes['http.request.method'] ?? ''),
    path: String(span.attributes['url.path'] ?? span.name),
    status:
      typeof span.attributes['http.response.status_code'] === 'number'
        ? span.attributes['http.response.status_code']
        : null,
    startMs: span.startMs,
    durationMs: span.durationMs,
  };
}

/**
 * From the spans of the process where traces start (the gateway): the latest purchases
 * (`POST /api/orders`) and the slowest requests, `limit` of each, newest and slowest first.
 */
export function traceSummaries(
  spans: readonly SpanRecord[],
  limit = 10,
): { purchases: TraceSummary[]; slowest: TraceSummary[] } {
  const roots = spans.filter((s) => s.kind === 'server' && !s.parentSpanId).map(summaryOf);
  const purchases = roots
    .filter((r) => r.method === 'POST' && r.path === '/api/orders')
    .sort((a, b) => b.startMs - a.startMs)
    .slice(0, limit);
  const slowest = [...roots].sort((a, b) => b.durationMs - a.durationMs).slice(0, limit);
  return { purchases, slowest };
}
