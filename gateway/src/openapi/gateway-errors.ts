import { type ApiRoute, errorResponse } from '@boxoffice/shared';

/**
 * The gateway can answer any proxied route itself when the owning service cannot: 502 (it failed
 * mid-answer), 503 (no instance reachable), 504 (no answer in time). Added once here for every
 * operation it forwards instead of in each service's route list.
 */
export function withGatewayErrors(route: ApiRoute): ApiRoute {
  const gatewayErrors = { 502: errorResponse, 503: errorResponse, 504: errorResponse };
  return { ...route, responses: { ...gatewayErrors, ...route.responses } };
}
