import type { ServiceName } from '@boxoffice/runtime';

/**
 * What the system does when a part is down or slow, in the words the page shows. Each sentence
 * describes code that exists: the balancer's skip (proxy/upstream.ts), `shard_unavailable`
 * (shared/sharding/src/db), partial listings (services/events list-events.ts), the cache's fall-through
 * (shared/cache/src), the outbox (shared/bus/src/outbox).
 */
const PUBLIC_PATHS: Record<ServiceName, string> = {
  users: '/api/users, /api/sessions, /api/me',
  events: '/api/events',
  tickets: '/api/orders, /api/tickets, /api/me/tickets',
};

export function serviceDownEffect(service: ServiceName): string {
  return `${PUBLIC_PATHS[service]}: 503 service_unavailable (no instance reachable)`;
}

export function instanceDownEffect(othersUp: number): string {
  if (othersUp === 0) return 'no other instance is up';
  return `the gateway skips it (1 s after each refused connection); ${othersUp} other instance${othersUp === 1 ? '' : 's'} take${othersUp === 1 ? 's' : ''} its requests`;
}

export function instanceNotReadyEffect(): string {
  return 'still gets requests: the gateway skips only instances that refuse connections';
}

export function shardDownEffect(service: ServiceName, range: string): string {
  const base = `keys ${range}: 503 shard_unavailable`;
  return service === 'events' ? `${base}; GET /api/events: partial pages without them` : base;
}

export function shardSlowEffect(range: string, latencyMs: number): string {
  return `keys ${range}: answers take ~${Math.round(latencyMs)} ms; listings wait for it up to SHARD_TIMEOUT_MS`;
}

export const CACHE_DOWN_EFFECT = 'lookups fall through to the shards: slower, still correct';
export const CACHE_OFF_EFFECT = 'CACHE_ENABLED=false: every lookup reads its shard';
export const CACHE_UNUSED_EFFECT = 'nothing is cached here: every read goes to its shard';
export const BUS_DOWN_EFFECT =
  'outbox rows wait in the shards and the relays retry; orders stay pending until the bus is back';
