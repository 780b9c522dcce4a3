import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { sampledContextOf } from './trace-context';

/** Requests that are not the product's work: probes, metrics, the topology page's polling. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics|internal\/(ping|stats|traces)|admin)(\/|\?|$)/;

export interface ServerSpanSettings {
  /** The public edge (the gateway): a client's `traceparent` is never continued. */
  edge: boolean;
  /** Share of requests that start a trace at the edge. */
  ratio: number;
}

let settings: ServerSpanSettings | undefined;

/** Set by startTracing; undefined while tracing is off. */
export function setServerSpanSettings(next: ServerSpanSettings | undefined): void {
  settings = next;
}

/**
 * Whether a request is traced, and under which parent. Only the edge (the gateway) starts traces,
 * by the ratio, ignoring any `traceparent` a client sent; a service traces a request only when its
 * caller sent a valid `traceparent` with the `sampled` flag, under the caller's span. So a trace
 * is whole or absent: an untraced request through the gateway is untraced in every service.
 * Undefined: not traced.
 */
export function serverSpanParent(
  req: Pick<IncomingMessage, 'url' | 'headers'>,
  { edge, ratio }: ServerSpanSettings,
  random: () => number = Math.random,
): typeof ROOT_CONTEXT | undefined {
  if (UNTRACED_PATHS.test(req.url ?? '')) return undefined;
  if (edge) return random() < ratio ? ROOT_CONTEXT : undefined;
  return sampledContextOf(req.headers.traceparent as string | undefined);
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** Names the span after the route Express matched (`POST /api/orders`), and ends it once. */
function ender(span: Span, req: IncomingMessage, res: ServerResponse): () => void {
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    const { route, baseUrl } = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
    if (typeof route?.path === 'string') {
      const template = `${baseUrl ?? ''}${route.path}`;
      span.setAttribute('http.route', template);
      span.updateName(`${req.method} ${template}`);
    }
    if (!res.writableFinished) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response ended' });
    } else {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
}

/**
 * A process's request listener with a server span around each traced request. Untraced requests
 * (99 in 100 at the default ratio) go straight to the listener: no span, no context switch, no
 * listener rebinding, which is what OpenTelemetry's own http and express instrumentations cost on
 * every request, traced or not (docs/tracing.md, "What it costs"). With tracing off, the listener
 * itself is returned.
 *
 * A traced request's `req` and `res` are bound to its context, so what runs in their event
 * handlers (the body parser's, and so the route) sees the span as well.
 */
export function tracedRequests(listener: RequestListener): RequestListener {
  const current = settings;
  if (!current) return listener;
  const tracer = trace.getTracer('@boxoffice/tracing');
  return (req, res) => {
    const parent = serverSpanParent(req, current);
    if (!parent) return listener(req, res);
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': pathOf(req.url) },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const end = ender(span, req, res);
    res.once('finish', end);
    res.once('close', end);
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, () => listener(req, res));
  };
}
