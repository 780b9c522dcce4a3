import { type Context, SpanKind, type TextMapPropagator, context, diag, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { SpanBuffer } from './span-buffer';
import { setServerSpanSettings } from './server-spans';

/**
 * Share of new traces kept when `OTEL_TRACES_SAMPLER` is not set: a request is traced with this
 * probability where its trace starts (the gateway), and every process follows that decision, so
 * a trace is whole or absent. 1 %: a traced request costs its processes about twice the CPU of
 * an untraced one, an untraced one costs nothing extra (docs/tracing.md, "What it costs").
 * `npm start` keeps every trace.
 */
export const DEFAULT_SAMPLE_RATIO = 0.01;

/** Whether this process traces: always, unless `OTEL_SDK_DISABLED=true` (the standard switch). */
export function tracingWanted(env: Record<string, string | undefined>): boolean {
  return env.OTEL_SDK_DISABLED !== 'true';
}

let buffer: SpanBuffer | undefined;
let sdk: NodeSDK | undefined;

/** This process's recent spans, or undefined when tracing is off (`OTEL_SDK_DISABLED=true`). */
export function spanBuffer(): SpanBuffer | undefined {
  return buffer;
}

/**
 * W3C propagation that injects (so the gateway's calls to the services carry its trace) but never
 * extracts: the gateway starts a new trace for every client request, whatever `traceparent` the
 * client sent, so a client can neither join a trace of ours nor force one to be sampled.
 */
class InjectOnlyPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();
  inject(...args: Parameters<TextMapPropagator['inject']>): void {
    this.w3c.inject(...args);
  }
  extract(carrierContext: Context): Context {
    return carrierContext;
  }
  fields(): string[] {
    return this.w3c.fields();
  }
}

export interface TracingOptions {
  /** `service.name` of the resource: `gateway`, `users`, `events`, `tickets`, `migrate`. */
  serviceName: string;
  /** True for the public edge (the gateway): incoming trace context is not trusted. */
  edge?: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * The share of new traces to keep, from the standard `OTEL_TRACES_SAMPLER` and `…_ARG`:
 * `always_on`/`parentbased_always_on` 1, `always_off`/`parentbased_always_off` 0, the
 * `traceidratio` ones their argument (default 1, as the SDK reads it); unset, DEFAULT_SAMPLE_RATIO.
 * An unknown sampler name keeps the default, as the SDK does.
 */
export function sampleRatio(env: Record<string, string | undefined>): number {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (!sampler) return DEFAULT_SAMPLE_RATIO;
  if (sampler === 'always_on' || sampler === 'parentbased_always_on') return 1;
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
    return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
  }
  return DEFAULT_SAMPLE_RATIO;
}

/**
 * HTTP requests are chosen before their span starts (`tracedRequests`), so a server span that
 * starts a trace is always kept, and so is a batch's span, which is only started, with links,
 * when it carries a traced message; other roots are kept by the ratio. Children follow their
 * parent.
 */
function samplerFor(ratio: number): Sampler {
  const byRatio = new TraceIdRatioBasedSampler(ratio);
  const root: Sampler = {
    shouldSample: (parent, traceId, _name, kind, _attributes, links) =>
      kind === SpanKind.SERVER || links.length > 0
        ? { decision: SamplingDecision.RECORD_AND_SAMPLED }
        : byRatio.shouldSample(parent, traceId),
    toString: () => `ServerRootsOr(${byRatio.toString()})`,
  };
  return new ParentBasedSampler({ root });
}

/**
 * Starts the OpenTelemetry Node SDK for this process, before anything it instruments is loaded
 * (`register.ts` at this package's root does it as a process's first import). Spans go to the
 * bounded buffer the topology page reads, and also to an OTLP collector when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (the exporter reads
 * the other `OTEL_EXPORTER_OTLP_*` variables itself). `OTEL_SDK_DISABLED=true` turns it all off.
 */
export function startTracing(options: TracingOptions): void {
  const env = options.env ?? process.env;
  if (sdk || !tracingWanted(env)) return;
  buffer = new SpanBuffer(Number(env.BOXOFFICE_TRACE_BUFFER_SPANS) || undefined);
  const spanProcessors: SpanProcessor[] = [buffer];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  }
  const ratio = sampleRatio(env);
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    autoDetectResources: false,
    spanProcessors,
    // Traces only. Left unset, the SDK would start OTLP metric and log exporters to
    // localhost:4318 (its defaults when OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER are unset),
    // and the instrumentations would record a duration histogram for every call, traced or not.
    // The processes' metrics are Prometheus (`/metrics`).
    metricReaders: [],
    logRecordProcessors: [],
    sampler: samplerFor(ratio),
    textMapPropagator: options.edge ? new InjectOnlyPropagator() : new W3CTraceContextPropagator(),
    instrumentations: [
      // Outgoing calls only: incoming requests get their server span from `tracedRequests`,
      // which costs nothing on the requests it does not trace (the instrumentation's own
      // incoming hook, with express's, cost every request about 0.05 ms of CPU).
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        requireParentforOutgoingSpans: true,
      }),
      // The gateway forwards with undici; a call outside any request (the topology poller) is not traced.
      // The hook returns before the instrumentation parses the URL and builds attributes, which
      // it otherwise does for every call before it looks for a parent.
      new UndiciInstrumentation({
        requireParentforSpans: true,
        ignoreRequestHook: () => trace.getSpan(context.active()) === undefined,
      }),
      // Statements outside a traced request or message (relay polls, probes) make no spans.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  setServerSpanSettings({ edge: options.edge ?? false, ratio });
  diag.debug(`tracing started for ${options.serviceName}`);
}

/** Flushes and stops the SDK (exports what is still batched); a no-op when it never started. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
  setServerSpanSettings(undefined);
}
