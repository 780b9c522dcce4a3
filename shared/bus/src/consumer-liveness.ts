import type { Redis } from 'ioredis';

/**
 * How a consumer learns at once that another one is gone, instead of waiting out that one's lease
 * (BUS_LEASE_MS, 10 s) and then the visibility timeout of what it held (BUS_VISIBILITY_TIMEOUT_MS,
 * 30 s). It is the signal RabbitMQ acts on when it requeues a dead consumer's unacknowledged
 * messages: the consumer's connection closed.
 *
 * Each consumer's blocking connection carries its name (CLIENT SETNAME), and the consumer lists
 * itself in the group's `connected` set when it heartbeats. A member of that set with no
 * connection of its name in CLIENT LIST is gone: a process that was killed or crashed has its
 * sockets closed by its kernel, which Redis sees at once. Its leases are freed and what it held
 * is reclaimed on the next heartbeat of the others (every BUS_LEASE_MS / 3) or of its restarted
 * successor, however long the timers are. A consumer whose connection only dropped for a moment
 * (a network blip) is treated the same: it loses its leases, notices on its next heartbeat and
 * stops, and its messages are handled again elsewhere, which consumers must allow for anyway
 * (at-least-once). A host that vanishes without closing its sockets is still found by the lease.
 */

/** The connection name of a consumer: Redis refuses spaces and control characters in names. */
export function connectionNameOf(consumer: string): string {
  return `bus:${consumer.replace(/[^\x21-\x7e]/g, '_')}`;
}

/** The names of every connection open on the server now. */
async function connectionNames(redis: Redis): Promise<Set<string>> {
  const list = String(await redis.client('LIST'));
  const names = new Set<string>();
  for (const line of list.split('\n')) {
    const match = / name=(\S*)/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/**
 * Members of `connected` (a sorted set of consumer names) other than `me` whose connection is
 * not open. Rejects when the server refuses CLIENT LIST (an ACL without it): the caller then
 * relies on the leases and the visibility timeout alone.
 */
export async function goneConsumers(redis: Redis, connected: string, me: string): Promise<string[]> {
  const [members, names] = await Promise.all([redis.zrange(connected, 0, -1), connectionNames(redis)]);
  return members.filter((member) => member !== me && !names.has(connectionNameOf(member)));
}
