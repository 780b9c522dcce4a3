import { type ApiRoute, errorResponse } from '@boxoffice/shared';

/**
 * The gateway can answer any proxied route itself when the owning service cannot: 502 (it failed
 * mid-answer), 503 (no instance reachable), 504 (no answer in time). Added once here for every
 * operation it forwards instead of in each service's route list. A route with a body also gets the
 * gateway's 415: it decodes gzip and deflate bodies itself and refuses any other Content-Encoding
 * (found by the fuzz suite, tests/fuzz: the answer was right, the document did not list it).
 * Every route gets 431: headers over Node's 16 KiB limit (e.g. a giant cookie) are refused by the
 * HTTP parser before any route runs (shared/src/http/serve.ts answers them as JSON).
 */
export function withGatewayErrors(route: ApiRoute): ApiRoute {
  const gatewayErrors: ApiRoute['responses'] = {
    431: { ...errorResponse, description: 'Request headers over 16 KiB' },
    502: errorResponse,
    503: errorResponse,
    504: errorResponse,
  };
  if (route.request?.body)
    gatewayErrors[415] = {
      ...errorResponse,
      description: 'A Content-Encoding other than gzip, deflate or identity',
    };
  return { ...route, responses: { ...gatewayErrors, ...route.responses } };
}
