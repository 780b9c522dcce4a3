/**
 * The one catalogue of error codes the public API may return, with their HTTP status.
 * Codes are stable: clients match on them, so never rename one; add a new one instead.
 */
export const ERROR_CATALOGUE = {
  validation_failed: 400,
  malformed_json: 400,
  invalid_utf8: 400,
  invalid_cursor: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  email_taken: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  image_invalid: 422,
  image_too_large: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal_error: 500,
  bad_gateway: 502,
  shard_unavailable: 503,
  service_unavailable: 503,
  not_ready: 503,
  gateway_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code];
}
