import { createEvent, getJson, inParallel, signUpAndIn } from '../seed-client';
import { BrowseSteps } from './browse-steps';
import type { Scenario } from './scenario';

/** Read-heavy: the event listing and event pages, anonymous (so it also runs straight at the events service). */
export const browse: Scenario = {
  name: 'browse',
  description:
    'event listing (scatter-gather over every events shard) 25%, event pages (one shard, event cache) 75%; anonymous',
  buys: false,
  async prepare(ctx) {
    const organizer = await signUpAndIn(
      ctx.apiUrl,
      `load-${ctx.runId}-organizer@example.test`,
      'Load Organizer',
    );
    const eventIds = await inParallel(ctx.options.events, 8, (i) =>
      createEvent(ctx.apiUrl, organizer, {
        title: `Load ${ctx.runId} #${i + 1}`,
        capacity: 1000,
        inDays: 1 + (i % 90),
      }),
    );
    // Read each page once, so the cached runs start warm and the comparison is about steady state.
    await inParallel(eventIds.length, 8, (i) => getJson(ctx.apiUrl, `/api/events/${eventIds[i]}`));
    const steps = new BrowseSteps(eventIds, ctx.shards);
    return { iterate: (vu) => steps.step(vu) };
  },
};
