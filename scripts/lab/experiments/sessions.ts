import { roundRatio, type TargetResult } from '../../bench/read/rounds';
import { seedSessions, sessionTargets, startSessionServers } from '../../bench/sessions/setup';
import { warmedPair } from './warm-up';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

/** CPU per request in µs: a few tens of µs, which milliseconds with two decimals would blur. */
const serverCpu = (t: TargetResult, side: 'store' | 'cookie') =>
  (t.median.cpuMsPerRequest[`${side} server`] ?? NaN) * 1000;
const redisCpu = (t: TargetResult) => (t.median.cpuMsPerRequest.redis ?? NaN) * 1000;

/** The paragraph, from both sides' medians and the median of each round's cookie ÷ store req/s. */
export function describeSessions(store: TargetResult, cookie: TargetResult, ratio: number): string {
  const cpuRatio = serverCpu(cookie, 'cookie') / serverCpu(store, 'store');
  return (
    `Verifying the signed cookie on every request, the server answered ${times(ratio)} the requests per second of looking the session up in Redis ` +
    `(${fig(cookie.median.requestsPerSecond)} against ${fig(store.median.requestsPerSecond)} req/s, median of alternating rounds): ` +
    byDirection(ratio, {
      higher: "the store's network round trip per request cost more than the cookie's HMAC. ",
      lower:
        'here the HMAC cost more than the round trip to Redis, the other way from what a local computation against a network call should give. ',
      same: 'about even: neither the round trip nor the HMAC was what limited this server. ',
    }) +
    `Median latency was ${fig(cookie.median.p50Ms)} ms with the cookie and ${fig(store.median.p50Ms)} ms with the store ` +
    `(p99 ${fig(cookie.median.p99Ms)} and ${fig(store.median.p99Ms)} ms). ` +
    `The server spent ${fig(serverCpu(cookie, 'cookie'))} µs of CPU per request verifying cookies and ${fig(serverCpu(store, 'store'))} µs asking Redis (${times(cpuRatio)}): ` +
    byDirection(cpuRatio, {
      lower:
        "an HMAC-SHA256 over a short value costs less CPU than sending a command and parsing Redis's answer; ",
      higher: "here the HMAC cost more CPU than the client's side of a Redis call; ",
      same: 'about the same CPU either way; ',
    }) +
    (Number.isFinite(redisCpu(store))
      ? `Redis spent another ${fig(redisCpu(store))} µs per request of the store's. `
      : "Redis's own CPU could not be read on this machine. ") +
    'Beyond speed, the store makes every signed-in request depend on one shared server (when Redis is slow or away, so is every page), ' +
    'while the cookie needs only the key every gateway instance already holds; and the gateway remembers cookies it has verified, ' +
    'so it pays the HMAC once per cookie and process, not per request as here.'
  );
}

export const sessions = defineExperiment({
  name: 'sessions',
  idea: 'shared-nothing sessions: the state in a signed cookie, not in a store on the server side',
  implementedIn: 'gateway/src/sessions/session-cookie.ts',
  question:
    'What does a session lookup in Redis on every request cost against verifying a signed cookie, in requests per second, latency and CPU?',
  sizes: {
    quick: { users: 100, seconds: 1, connections: 10 },
    standard: { users: 1000, seconds: 5, connections: 50 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const seed = await seedSessions(size.users);
    try {
      const servers = await startSessionServers(seed);
      try {
        const { store, cookie } = sessionTargets(servers, seed);
        const [s, c] = await warmedPair([store, cookie], settings, size);
        const failures = s.failures + c.failures;
        if (failures > 0) throw new Error(`${failures} requests failed: the figures are not to be trusted`);
        const ratio = roundRatio(c, s);
        const row = (label: string, t: TargetResult, side: 'store' | 'cookie') => [
          label,
          t.median.requestsPerSecond,
          t.median.p50Ms,
          t.median.p99Ms,
          serverCpu(t, side),
          side === 'store' ? redisCpu(t) : '—',
        ];
        return {
          setup:
            `Two node:http servers of the same code (scripts/bench/sessions/session-server.ts), each in its own process, answering GET /api/me with the caller's user id; ` +
            `they differ only in how they find the session. Cookie: the sid cookie is the session, verified with the gateway's sessionFromCookieHeader ` +
            `(HMAC-SHA256, then the expiry) on every request, without the gateway's memory of verified cookies. Store: the sid cookie is an opaque id, ` +
            `and the session a JSON value in the local Redis, read with one GET per request (ioredis, one connection). ${size.users} users' sessions, ` +
            `the same payloads on both sides (keys under a fresh prefix, deleted afterwards); autocannon at ${size.connections} connections sends ` +
            `each request with the next user's cookie for ${size.seconds} s per side and round, ${settings.rounds} rounds alternating (store, cookie, then cookie, store…). ` +
            `CPU is each server's, less its idle CPU; Redis's is the shared local server's, so other clients' work in those seconds counts too.`,
          table: {
            columns: [
              'session',
              'req/s',
              'p50 ms',
              'p99 ms',
              'server CPU µs/request',
              'Redis CPU µs/request',
            ],
            rows: [
              row('looked up in Redis (a session store)', s, 'store'),
              row('signed cookie, verified each request', c, 'cookie'),
            ],
          },
          chart: {
            title: 'An authenticated request: requests per second (median of rounds)',
            unit: 'req/s',
            bars: [
              { label: 'session store (Redis)', value: s.median.requestsPerSecond },
              { label: 'signed cookie', value: c.median.requestsPerSecond },
            ],
          },
          paragraph: describeSessions(s, c, ratio),
          ratios: {
            'cookie/store req/s': ratio,
            'cookie/store server CPU per request': serverCpu(c, 'cookie') / serverCpu(s, 'store'),
          },
        };
      } finally {
        await servers.stop();
      }
    } finally {
      await seed.remove();
    }
  },
});
