import { z } from 'zod';
import { TRACE_ID_PATTERN } from '@boxoffice/tracing';

/**
 * The JSON of `/admin/api/traces` and `/admin/api/traces/{traceId}`: the Traces view's data, as
 * the page reads it and the OpenAPI document describes it. The spans are those each process keeps
 * in its bounded buffer (`@boxoffice/tracing`'s SpanRecord).
 */
const traceId = z.string().regex(TRACE_ID_PATTERN);

export const traceSummarySchema = z.object({
  traceId,
  method: z.string(),
  path: z.string(),
  status: z.number().int().nullable(),
  startMs: z.number(),
  durationMs: z.number(),
});
export type TraceSummaryView = z.infer<typeof traceSummarySchema>;

export const traceListSchema = z.object({
  enabled: z.boolean(),
  purchases: z.array(traceSummarySchema),
  slowest: z.array(traceSummarySchema),
});

export const spanSchema = z.object({
  traceId,
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  process: z.string(),
  name: z.string(),
  kind: z.enum(['server', 'client', 'producer', 'consumer', 'internal']),
  startMs: z.number(),
  durationMs: z.number(),
  error: z.boolean(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string() })),
});
export type SpanView = z.infer<typeof spanSchema>;

export const traceViewSchema = z.object({
  traceId,
  spans: z.array(spanSchema),
  unreachable: z.array(z.string()),
});
export type TraceListView = z.infer<typeof traceListSchema>;
export type TraceView = z.infer<typeof traceViewSchema>;
