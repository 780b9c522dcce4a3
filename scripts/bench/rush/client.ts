import { Agent, request } from 'undici';
import { newId } from '@boxoffice/platform';
import { ApiClient } from '../../api/api-client';
import { RunRecorder } from '../../load/stats';

/** What one rush measured, the same for Boxoffice and the monolith. */
export interface RushOutcome {
  counts: { confirmed: number; rejected: number; pending: number; errors: number };
  /** From the first request to the last confirmation (or to the end when nothing was confirmed). */
  elapsedSeconds: number;
  confirmedPerSecond: number;
  recorder: RunRecorder;
}

/**
 * N buyers, each ordering one seat at a time (`Prefer: wait=10`) until the event answers
 * sold out or `seconds` pass. The same code rushes both targets: only `baseUrl` differs.
 */
export async function rush(options: {
  baseUrl: string;
  eventId: string;
  buyers: number;
  seconds: number;
  cookieFor: (userId: string) => string;
  agent: Agent;
}): Promise<RushOutcome> {
  const { baseUrl, eventId, agent } = options;
  const recorder = new RunRecorder();
  const counts = { confirmed: 0, rejected: 0, pending: 0, errors: 0 };
  let lastConfirmedAt = 0;
  let soldOut = false;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.buyers }, async () => {
      const cookie = options.cookieFor(newId());
      while (!soldOut && performance.now() < deadline) {
        const t0 = performance.now();
        let status = 0;
        let reason: string | undefined;
        try {
          const res = await request(`${baseUrl}/api/orders`, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', cookie, prefer: 'wait=10' },
            body: JSON.stringify({ eventId, quantity: 1 }),
          });
          status = res.statusCode;
          reason = ((await res.body.json()) as { reason?: string }).reason;
        } catch {
          // no answer (refused, reset): status stays 0, recorded as "network"
        }
        const now = performance.now();
        const ok = status === 201 || status === 409;
        recorder.record({ operation: 'order', status, ok, latencyMs: now - t0, atMs: now - started });
        if (status === 201) {
          counts.confirmed++;
          lastConfirmedAt = now;
        } else if (status === 409) {
          counts.rejected++;
          if (reason === 'sold_out') soldOut = true;
        } else if (status === 202) counts.pending++;
        else counts.errors++;
      }
    }),
  );
  const elapsedSeconds = ((lastConfirmedAt || performance.now()) - started) / 1000;
  return {
    counts,
    elapsedSeconds,
    confirmedPerSecond: counts.confirmed / Math.max(elapsedSeconds, 0.001),
    recorder,
  };
}

/** Creates the rush's event (POST /api/events, as the holder of `cookie`) and returns its id. */
export async function createRushEvent(baseUrl: string, cookie: string, seats: number): Promise<string> {
  const event = await new ApiClient(baseUrl, { cookie }).createEvent({
    title: 'The rush',
    venue: 'Arena',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    capacity: seats,
  });
  return event.id;
}
