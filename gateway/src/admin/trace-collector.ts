import { CALLER_HEADER } from '@boxoffice/platform';
import { SERVICE_NAMES, type ServiceName } from '@boxoffice/runtime';
import { type SpanRecord, spanBuffer, traceSummaries } from '@boxoffice/tracing';
import type { Upstream } from '../proxy';
import { getJson } from './instance-sample';
import type { TraceListView, TraceView } from './traces-schema';

export interface TraceCollectorDeps {
  upstreams: Record<ServiceName, Upstream>;
  /** A fresh signed caller header for /internal/traces. */
  callerHeader: () => string;
}

/**
 * The Traces view's data. Traces start at the gateway, so the list comes from its own buffer;
 * one trace's spans are gathered from every instance's buffer (`/internal/traces`) and merged.
 * Nothing is stored: what the buffers dropped is gone.
 */
export class TraceCollector {
  constructor(private readonly deps: TraceCollectorDeps) {}

  list(): TraceListView {
    const buffer = spanBuffer();
    return { enabled: buffer !== undefined, ...traceSummaries(buffer?.list() ?? []) };
  }

  async trace(traceId: string): Promise<TraceView> {
    const caller = this.deps.callerHeader();
    const urls = SERVICE_NAMES.flatMap((s) => this.deps.upstreams[s].urls);
    const answers = await Promise.all(
      urls.map(async (url) => {
        try {
          const { status, body } = await getJson(`${url}/internal/traces?traceId=${traceId}`, {
            [CALLER_HEADER]: caller,
          });
          const spans = (body as { spans?: SpanRecord[] } | undefined)?.spans;
          return status === 200 && Array.isArray(spans) ? { url, spans } : { url, spans: undefined };
        } catch {
          return { url, spans: undefined };
        }
      }),
    );
    const byId = new Map<string, SpanRecord>();
    for (const span of [...(spanBuffer()?.list(traceId) ?? []), ...answers.flatMap((a) => a.spans ?? [])])
      byId.set(span.spanId, span);
    return {
      traceId,
      spans: [...byId.values()].sort((a, b) => a.startMs - b.startMs),
      unreachable: answers.filter((a) => !a.spans).map((a) => a.url),
    };
  }
}
