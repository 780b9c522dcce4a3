import type { ServiceName } from '@boxoffice/runtime';

/**
 * Which service owns which public path (docs/architecture.md, The public API), first match wins: `/api/me/tickets` belongs
 * to tickets even though the rest of `/api/me` is the users service's.
 */
export const ROUTE_TABLE: ReadonlyArray<{ pattern: RegExp; service: ServiceName }> = [
  { pattern: /^\/api\/me\/tickets(\/|$)/, service: 'tickets' },
  { pattern: /^\/api\/(users|sessions|me)(\/|$)/, service: 'users' },
  { pattern: /^\/api\/events(\/|$)/, service: 'events' },
  { pattern: /^\/api\/(orders|tickets)(\/|$)/, service: 'tickets' },
];

export function serviceForPath(path: string): ServiceName | undefined {
  return ROUTE_TABLE.find((route) => route.pattern.test(path))?.service;
}
