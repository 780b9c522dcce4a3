/**
 * `npm run bench:rush`: a rush on one hot event, measured. Starts a private stack (one instance
 * of each service, its own databases and keys, removed afterwards), creates one event, and lets
 * N concurrent buyers order one seat at a time (Prefer: wait=10) until the event sells out.
 * Prints confirmed orders/s, time-to-outcome percentiles and the invariant check.
 *
 *   npm run bench:rush -- [--buyers 200] [--seats 5000] [--seconds 60]
 *
 * Buyers get sessions minted with the stack's own session key (signing 200 users up would
 * measure scrypt, not the saga). Traffic goes to 127.0.0.1 only; the run stops by itself.
 */
import { parseArgs } from 'node:util';
import { build as buildHistogram } from 'hdr-histogram-js';
import { Agent, request } from 'undici';
import { newId } from '@boxoffice/shared';
import { encodeSession, newSession } from '../gateway/src';
import { checkInvariantsWhenQuiet } from './lib/invariants';
import { startOwnStack } from './load/own-stack';

const BENCH_SESSION_KEY = 'bench-session-key-0123456789abcdef-0123456789';

const { values } = parseArgs({
  options: {
    buyers: { type: 'string', default: '200' },
    seats: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
  },
});
const buyers = Number(values.buyers);
const seats = Number(values.seats);
const seconds = Number(values.seconds);

function cookieFor(userId: string): string {
  return `sid=${encodeSession(newSession(userId, 3600), [BENCH_SESSION_KEY])}`;
}

/**
 * Mean publish-to-handle lag per topic, from a service's own /metrics: which hop of the saga
 * the time is spent waiting in (the outbox is included: occurredAt is when the row was written).
 */
async function busLag(serviceUrl: string, agent: Agent): Promise<string[]> {
  const res = await request(`${serviceUrl}/metrics`, { dispatcher: agent });
  const text = await res.body.text();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^bus_publish_to_handle_seconds_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/gm)) {
    const topic = /topic="([^"]+)"/.exec(match[2]!)?.[1] ?? '?';
    (match[1] === 'sum' ? sums : counts).set(topic, Number(match[3]));
  }
  /** Sums a counter's samples per topic. */
  const perTopic = (metric: string): Map<string, number> => {
    const found = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${metric}{`)) continue;
      const topic = /topic="([^"]+)"/.exec(line)?.[1] ?? '?';
      found.set(topic, (found.get(topic) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return found;
  };
  const failures = perTopic('bus_handler_failures_total');
  const redelivered = perTopic('bus_messages_redelivered_total');
  return [...counts].map(
    ([topic, n]) =>
      `${topic}: ${n} messages, mean lag ${((1000 * (sums.get(topic) ?? 0)) / Math.max(1, n)).toFixed(0)} ms, ` +
      `${failures.get(topic) ?? 0} handler failures, ${redelivered.get(topic) ?? 0} redeliveries`,
  );
}

async function main(): Promise<void> {
  console.log(`starting a private stack…`);
  const stack = await startOwnStack({ SESSION_KEYS: BENCH_SESSION_KEY });
  const agent = new Agent({ connections: buyers + 8 });
  try {
    const organizer = cookieFor(newId());
    const created = await request(`${stack.gatewayUrl}/api/events`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', cookie: organizer },
      body: JSON.stringify({
        title: 'The rush',
        venue: 'Arena',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: seats,
      }),
    });
    const eventId = ((await created.body.json()) as { id: string }).id;

    const latency = buildHistogram({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120_000,
      numberOfSignificantValueDigits: 3,
    });
    const counts = { confirmed: 0, rejected: 0, pending: 0, errors: 0 };
    let lastConfirmedAt = 0;
    const deadline = Date.now() + seconds * 1000;
    let soldOut = false;
    console.log(`${buyers} buyers rushing ${seats} seats of event ${eventId} (at most ${seconds} s)…`);
    const started = Date.now();

    await Promise.all(
      Array.from({ length: buyers }, async () => {
        const cookie = cookieFor(newId());
        while (!soldOut && Date.now() < deadline) {
          const t0 = performance.now();
          const res = await request(`${stack.gatewayUrl}/api/orders`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', cookie, prefer: 'wait=10' },
            body: JSON.stringify({ eventId, quantity: 1 }),
          });
          const body = (await res.body.json()) as { status?: string; reason?: string };
          latency.recordValue(Math.max(1, Math.round(performance.now() - t0)));
          if (res.statusCode === 201) {
            counts.confirmed++;
            lastConfirmedAt = Date.now();
          } else if (res.statusCode === 409) {
            counts.rejected++;
            if (body.reason === 'sold_out') soldOut = true;
          } else if (res.statusCode === 202) counts.pending++;
          else counts.errors++;
        }
      }),
    );
    const elapsed = ((lastConfirmedAt || Date.now()) - started) / 1000;
    console.log(
      `\nconfirmed orders   ${counts.confirmed} in ${elapsed.toFixed(2)} s = ${(counts.confirmed / elapsed).toFixed(0)} confirmed/s`,
    );
    console.log(
      `other answers      ${counts.rejected} rejected (409), ${counts.pending} pending (202), ${counts.errors} errors`,
    );
    console.log(
      `time to outcome    p50 ${latency.getValueAtPercentile(50)} ms, p90 ${latency.getValueAtPercentile(90)} ms, p99 ${latency.getValueAtPercentile(99)} ms, max ${latency.maxValue} ms`,
    );
    for (const [service, url] of Object.entries(stack.serviceUrls)) {
      for (const line of await busLag(url, agent)) console.log(`bus lag            ${service}: ${line}`);
    }
    const report = await checkInvariantsWhenQuiet(stack.topology, 30_000);
    const event = await request(`${stack.gatewayUrl}/api/events/${eventId}`, { dispatcher: agent });
    const { seatsSold } = (await event.body.json()) as { seatsSold: number };
    console.log(`seats sold         ${seatsSold} of ${seats}${seatsSold > seats ? '  OVERSOLD' : ''}`);
    console.log(
      report.violations.length === 0
        ? 'invariants         hold'
        : `invariants         ${report.violations.length} VIOLATIONS`,
    );
    for (const v of report.violations.slice(0, 10))
      console.log(`  ${v.invariant}: ${v.detail} ${JSON.stringify(v.ids)}`);
    process.exitCode = report.violations.length === 0 && seatsSold <= seats ? 0 : 1;
  } finally {
    await agent.close();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:rush: ${err.message}`);
  process.exit(1);
});
