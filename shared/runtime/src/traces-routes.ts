import { Router } from 'express';
import { AppError } from '@boxoffice/platform';
import { TRACE_ID_PATTERN, spanBuffer } from '@boxoffice/tracing';

/**
 * `GET /internal/traces?traceId=<32 hex>`: the spans of one trace this instance still holds in
 * its buffer (oldest first). The gateway's Traces view asks every instance and draws the
 * waterfall. Behind the signed caller header, like every `/internal/*` route but ping.
 * `enabled: false` when this process runs without tracing (`OTEL_SDK_DISABLED=true`).
 */
export function tracesRoutes(): Router {
  const router = Router();
  router.get('/internal/traces', (req, res) => {
    const traceId = req.query.traceId;
    if (typeof traceId !== 'string' || !TRACE_ID_PATTERN.test(traceId)) {
      throw new AppError('validation_failed', 'traceId must be a trace id: 32 lower-case hex digits', {
        details: { field: 'traceId' },
      });
    }
    const buffer = spanBuffer();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ enabled: buffer !== undefined, spans: buffer?.list(traceId) ?? [] });
  });
  return router;
}
