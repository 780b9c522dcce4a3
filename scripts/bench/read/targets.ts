import type { BareApp, ReadStack } from './stack';
import type { ReadTarget } from './rounds';

/** The bare Express app answering the same event-sized body: the floor of any Node HTTP server. */
export function bareTarget(bare: BareApp, eventId: string): ReadTarget {
  return {
    name: 'bare',
    description: 'bare Express 5, one JSON route',
    url: `${bare.url}/api/events/${eventId}`,
    watch: { bare: bare.pid },
  };
}

/** The pid of a stack's first process of `role` ("gateway", "events"). */
function pidOf(read: ReadStack, role: string): number {
  return read.stack.processes.find((p) => p.role === role)!.child.pid!;
}

/** The cached event page through the gateway, and the same straight at the events service. */
export function eventTargets(read: ReadStack): { gateway: ReadTarget; direct: ReadTarget } {
  const { gatewayUrl, serviceUrls } = read.stack;
  const path = `/api/events/${read.eventId}`;
  return {
    gateway: {
      name: 'gateway-event',
      description: 'cached GET /api/events/:id through the gateway',
      url: `${gatewayUrl}${path}`,
      watch: { gateway: pidOf(read, 'gateway'), events: pidOf(read, 'events') },
      postgresUrl: read.pgUrl,
    },
    direct: {
      name: 'direct-event',
      description: 'the same, straight at the events service',
      url: `${serviceUrls.events[0]}${path}`,
      watch: { events: pidOf(read, 'events') },
      postgresUrl: read.pgUrl,
    },
  };
}

export function listingTarget(read: ReadStack): ReadTarget {
  const { gatewayUrl } = read.stack;
  return {
    name: 'gateway-listing',
    description: 'GET /api/events?limit=20 through the gateway (its page cached for 1 s per process)',
    url: `${gatewayUrl}/api/events?limit=20`,
    watch: { gateway: pidOf(read, 'gateway'), events: pidOf(read, 'events') },
    postgresUrl: read.pgUrl,
  };
}

/**
 * The same page, but every request asks every shard: each names a `to` bound of its own far
 * beyond every event (the same rows), so no request finds another's page in the listing cache.
 */
export function uncachedListingTarget(read: ReadStack): ReadTarget {
  const listing = listingTarget(read);
  const farFuture = Date.UTC(2200, 0, 1);
  return {
    ...listing,
    name: 'gateway-listing-uncached',
    description: 'the same page, every request asking the shards (a distinct ?to= each)',
    pathOf: (n) => `/api/events?limit=20&to=${new Date(farFuture + n).toISOString()}`,
  };
}

/**
 * Event creation through the gateway as the stack's organizer: each new event gets a random id,
 * which picks its shard, so the writes spread evenly over every events shard. They start in 2150,
 * after every seeded event, so the listing's first pages do not change.
 */
export function createEventTarget(read: ReadStack): ReadTarget {
  const listing = listingTarget(read);
  return {
    ...listing,
    name: 'gateway-create-event',
    description:
      'POST /api/events through the gateway, signed in (a new random id each: spread over the shards)',
    url: `${read.stack.gatewayUrl}/api/events`,
    request: {
      method: 'POST',
      headers: { cookie: read.organizerCookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Bench write',
        venue: 'Load Test Arena',
        startsAt: '2150-01-01T20:00:00.000Z',
        capacity: 100,
      }),
    },
  };
}
