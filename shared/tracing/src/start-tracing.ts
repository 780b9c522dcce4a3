import { type Context, type TextMapPropagator, diag } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
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
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { SpanBuffer } from './span-buffer';

/**
 * Share of new traces kept when `OTEL_TRACES_SAMPLER` is not set: a trace started at the gateway
 * is kept with this probability, and every process follows that decision (parent-based), so a
 * trace is whole or absent. 0.1 keeps the cost within a few percent of throughput
 * (docs/tracing.md has the measurements); `npm start` keeps every trace.
 */
export const DEFAULT_SAMPLE_RATIO = 0.1;

/** Requests that are not the product's work: probes, metrics, the topology page's polling. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics|internal\/(ping|stats|traces)|admin)(\/|\?|$)/;

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
  extract(context: Context): Context {
    return context;
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

function defaultSampler(env: Record<string, string | undefined>): Sampler | undefined {
  // The standard variables win: the SDK reads OTEL_TRACES_SAMPLER(_ARG) itself.
  if (env.OTEL_TRACES_SAMPLER) return undefined;
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(DEFAULT_SAMPLE_RATIO) });
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
  if (sdk || env.OTEL_SDK_DISABLED === 'true') return;
  buffer = new SpanBuffer(Number(env.BOXOFFICE_TRACE_BUFFER_SPANS) || undefined);
  const spanProcessors: SpanProcessor[] = [buffer];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  }
  const ignoreIncoming = (req: { url?: string }) => UNTRACED_PATHS.test(req.url ?? '');
  const sampler = defaultSampler(env);
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    autoDetectResources: false,
    spanProcessors,
    ...(sampler ? { sampler } : {}),
    textMapPropagator: options.edge ? new InjectOnlyPropagator() : new W3CTraceContextPropagator(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: ignoreIncoming,
        requireParentforOutgoingSpans: true,
      }),
      // The gateway forwards with undici; a call outside any request (the topology poller) is not traced.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Route handlers only: a span per middleware layer would bury the request's real work.
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
      // Statements outside a traced request or message (relay polls, probes) make no spans.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  diag.debug(`tracing started for ${options.serviceName}`);
}

/** Flushes and stops the SDK (exports what is still batched); a no-op when it never started. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}
