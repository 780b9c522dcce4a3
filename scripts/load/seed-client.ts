/**
 * What the scenarios seed before the clock starts, created through the public API exactly as a
 * client would (the approach of scripts/seed.ts): sign up, sign in for the `sid` cookie, create
 * events with it. Seeding is not measured.
 */
import { randomBytes } from 'node:crypto';

export interface SeededUser {
  id: string;
  email: string;
  password: string;
  /** `sid=…`, for the Cookie header. */
  cookie: string;
}

/** A seeding step the API refused, with what it said. */
export class SeedStepError extends Error {}

async function call(url: string, init: RequestInit & { expect: number[] }): Promise<Response> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(30_000),
  });
  if (!init.expect.includes(res.status)) {
    const body = await res.text().catch(() => '');
    throw new SeedStepError(
      `seeding: ${init.method ?? 'GET'} ${new URL(url).pathname} → ${res.status} ${body.slice(0, 200)}`,
    );
  }
  return res;
}

/** A fresh id for this run's data: emails and titles carry it, so runs never collide. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export async function signUpAndIn(apiUrl: string, email: string, displayName: string): Promise<SeededUser> {
  const password = `load-${randomBytes(8).toString('hex')}`;
  const created = await call(`${apiUrl}/api/users`, {
    method: 'POST',
    body: JSON.stringify({ email, password, displayName }),
    expect: [201],
  });
  const { id } = (await created.json()) as { id: string };
  const session = await call(`${apiUrl}/api/sessions`, {
    method: 'POST',
    body: JSON.stringify({ email, password }),
    expect: [200],
  });
  const sid = session.headers.getSetCookie().find((c) => c.startsWith('sid='));
  if (!sid) throw new SeedStepError(`seeding: POST /api/sessions for ${email} set no sid cookie`);
  return { id, email, password, cookie: sid.split(';')[0]! };
}

export interface EventSpec {
  title: string;
  capacity: number;
  /** Days from now (events must start in the future). */
  inDays: number;
}

export async function createEvent(apiUrl: string, organizer: SeededUser, spec: EventSpec): Promise<string> {
  const startsAt = new Date(Date.now() + spec.inDays * 86_400_000);
  startsAt.setUTCHours(20, 0, 0, 0);
  const res = await call(`${apiUrl}/api/events`, {
    method: 'POST',
    headers: { cookie: organizer.cookie },
    body: JSON.stringify({
      title: spec.title,
      venue: 'Load Test Arena',
      startsAt: startsAt.toISOString(),
      capacity: spec.capacity,
      description: 'Created by npm run load.',
    }),
    expect: [201],
  });
  const { id } = (await res.json()) as { id: string };
  return id;
}

/** GET a path once (e.g. to warm a cache before measuring); returns the JSON body. */
export async function getJson(apiUrl: string, path: string, cookie?: string): Promise<unknown> {
  const res = await call(`${apiUrl}${path}`, { headers: cookie ? { cookie } : {}, expect: [200] });
  return res.json();
}

/** Runs `work(i)` for i in 0..count-1, `concurrency` at a time; the first failure rejects. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
