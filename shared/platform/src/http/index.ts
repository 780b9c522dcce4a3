export { createApp, requestFront, type CreateAppOptions, type RequestFront } from './create-app';
export { serveHttp, exitOnSignals, type ServeOptions, type RunningServer, type ShutdownStep } from './serve';
export { createMetricsRegistry } from './metrics';
export { type ReadinessCheck, type ReadinessChecks } from './readiness';
export { requestContext, REQUEST_ID_HEADER } from './request-context';
export { idParam } from './id-param';
export {
  decodeKeysetCursor,
  encodeKeysetCursor,
  isSupportedInstant,
  type KeysetPosition,
} from './keyset-cursor';
