import { EventInput, SignedInUser, signUpAndIn } from '../../api/api-client';
import { daysFromNow, inParallel } from '../../api/seeding';
import type { ScenarioContext } from './scenario';

/** The run's organizer: signed up and in through the API. */
export function seedOrganizer(ctx: ScenarioContext): Promise<SignedInUser> {
  return signUpAndIn(ctx.apiUrl, {
    email: `load-${ctx.runId}-organizer@example.test`,
    displayName: 'Load Organizer',
  });
}

/** An event as a load run creates it: `inDays` from now at 20:00 UTC. */
export function loadEvent(title: string, capacity: number, inDays: number): EventInput {
  return {
    title,
    venue: 'Load Test Arena',
    startsAt: daysFromNow(inDays),
    capacity,
    description: 'Created by npm run load.',
  };
}

/**
 * What the event-reading scenarios start from: one organizer and `ctx.options.events` events
 * spread over the next 90 days (so the listing has pages to walk), created 8 at a time.
 */
export async function seedEvents(
  ctx: ScenarioContext,
  spec: { title: string; capacity: number },
): Promise<string[]> {
  const organizer = await seedOrganizer(ctx);
  return inParallel(ctx.options.events, 8, async (i) => {
    const event = loadEvent(`${spec.title} ${ctx.runId} #${i + 1}`, spec.capacity, 1 + (i % 90));
    return (await organizer.client.createEvent(event)).id;
  });
}
