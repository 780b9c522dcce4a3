import { createEvent, inParallel, signUpAndIn } from '../seed-client';
import type { ScenarioContext } from './scenario';

/**
 * What the event-reading scenarios start from: one organizer and `ctx.options.events` events
 * spread over the next 90 days (so the listing has pages to walk), created 8 at a time.
 */
export async function seedEvents(
  ctx: ScenarioContext,
  spec: { title: string; capacity: number },
): Promise<string[]> {
  const organizer = await signUpAndIn(
    ctx.apiUrl,
    `load-${ctx.runId}-organizer@example.test`,
    'Load Organizer',
  );
  return inParallel(ctx.options.events, 8, (i) =>
    createEvent(ctx.apiUrl, organizer, {
      title: `${spec.title} ${ctx.runId} #${i + 1}`,
      capacity: spec.capacity,
      inDays: 1 + (i % 90),
    }),
  );
}
