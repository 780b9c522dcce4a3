import { type ApiRoute, errorResponse } from '@boxoffice/contracts';

/** What the gateway does with an operation's request, which decides what it answers before any route. */
export interface OperationHandling {
  /**
   * The body is read whatever the operation is: every `/api` path but the document and its page
   * goes through the gateway's body reader (app.ts), and a forwarded body through the service's
   * JSON parser (shared/platform/src/http/create-app.ts), even when the operation takes none.
   */
  readsBody: boolean;
  /** Forwarded to a service: the gateway answers for it when that service cannot. */
  forwarded: boolean;
}

type Responses = ApiRoute['responses'];

/** Node's HTTP parser refuses these before any route runs (shared/platform/src/http/serve.ts). */
const EVERY_REQUEST: Responses = {
  431: {
    ...errorResponse,
    description: 'headers_too_large: the request headers exceed 16 KiB (cookies included)',
  },
};

/** The body readers' answers: they run before the route, so they hold for a body nobody asked for. */
const A_BODY: Responses = {
  400: {
    ...errorResponse,
    description:
      'validation_failed (the input breaks a rule; the details name each field), malformed_json (not JSON), invalid_utf8 (not UTF-8), or a body that does not match its Content-Encoding',
  },
  413: {
    ...errorResponse,
    description: 'payload_too_large: the body exceeds BODY_LIMIT_BYTES (default 64 KiB)',
  },
  415: {
    ...errorResponse,
    description:
      'unsupported_media_type: a Content-Encoding other than gzip, deflate or identity, or a JSON charset that is not a UTF (e.g. latin1)',
  },
};

/** The gateway's own answers for a service it forwards to. */
const A_FORWARD: Responses = {
  502: { ...errorResponse, description: 'bad_gateway: the service failed mid-answer' },
  503: { ...errorResponse, description: 'service_unavailable: no instance of the service answered' },
  504: { ...errorResponse, description: 'gateway_timeout: the service did not answer in time' },
};

/** `errorResponse` as a contract file lists it: a status, nothing said about it. */
function saysNothing(response: Responses[string] | undefined): boolean {
  return !!response && Object.keys(response).length === 1 && '$ref' in response;
}

/**
 * The one place the platform's answers are added to the document: what the HTTP parser, the
 * body readers and the gateway answer around an operation, for every operation, by what the
 * gateway does with its request. An operation's own entry for a status wins when it says
 * something (e.g. a 413 with its own limit); a bare `errorResponse` gets the platform's words.
 */
export function withPlatformAnswers(route: ApiRoute, handling: OperationHandling): ApiRoute {
  const responses: Responses = {
    ...EVERY_REQUEST,
    ...(handling.readsBody ? A_BODY : {}),
    ...(handling.forwarded ? A_FORWARD : {}),
  };
  for (const [status, own] of Object.entries(route.responses)) {
    if (!(status in responses) || !saysNothing(own)) responses[status] = own;
  }
  return { ...route, responses };
}
