import { type Context, ROOT_CONTEXT, type Span, TraceFlags, context, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context as text, for what carries it between processes outside HTTP: a bus
 * envelope's `traceparent`, an outbox row's `trace_context`. Always the W3C propagator, whatever
 * the process's HTTP propagation is, so a message is understood by every process.
 */
const w3c = new W3CTraceContextPropagator();
const setter = {
  set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value),
};
const getter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};

/** The `traceparent` of a context (default: the active one); undefined when it has no span. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, setter);
  return carrier.traceparent;
}

/** The `traceparent` of a span. */
export function traceparentOfSpan(span: Span): string | undefined {
  return traceparentOf(trace.setSpan(ROOT_CONTEXT, span));
}

/**
 * The context a `traceparent` names, to start a span under; the root context when it is absent
 * or not valid W3C (the propagator checks version, lengths, hex, non-zero ids), so a bad value
 * starts a new trace instead of failing.
 */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  if (typeof traceparent !== 'string' || traceparent.length > 128) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, getter);
}

/**
 * The context a `traceparent` names when it is valid W3C and its `sampled` flag is set: a trace
 * that is being kept, to continue. Undefined otherwise (absent, junk, or not sampled).
 */
export function sampledContextOf(traceparent: string | undefined): Context | undefined {
  const parent = contextOfTraceparent(traceparent);
  const caller = trace.getSpanContext(parent);
  return caller && (caller.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? parent : undefined;
}
