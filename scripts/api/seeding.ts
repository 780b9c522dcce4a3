/** Helpers for seeding through the API: run ids, and steps run a few at a time. */
import { randomBytes } from 'node:crypto';

/** A fresh id for a run's data: emails and titles carry it, so runs never collide. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
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

/** A start time `days` from now at 20:00 UTC, ISO 8601 (events must start in the future). */
export function daysFromNow(days: number): string {
  const startsAt = new Date(Date.now() + days * 86_400_000);
  startsAt.setUTCHours(20, 0, 0, 0);
  return startsAt.toISOString();
}
