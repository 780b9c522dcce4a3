export {
  startTracing,
  stopTracing,
  spanBuffer,
  sampleRatio,
  tracingWanted,
  DEFAULT_SAMPLE_RATIO,
  type TracingOptions,
} from './start-tracing';
export { SpanBuffer, type SpanRecord } from './span-buffer';
export { tracedRequests, serverSpanParent, type ServerSpanSettings } from './server-spans';
export { traceparentOf, contextOfTraceparent } from './trace-context';
export {
  processMessage,
  processBatch,
  startPublishSpan,
  endSpan,
  traceparentForEffectsOf,
  type TracedMessage,
} from './message-spans';
export { TRACE_ID_PATTERN, traceSummaries, type TraceSummary } from './trace-query';
