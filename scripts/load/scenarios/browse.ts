import { ApiClient } from '../../api/api-client';
import { inParallel } from '../../api/seeding';
import { BrowseSteps } from './browse-steps';
import type { Scenario } from './scenario';
import { seedEvents } from './seed-events';

/** Read-heavy: the event listing and event pages, anonymous (so it also runs straight at the events service). */
export const browse: Scenario = {
  name: 'browse',
  description:
    'event listing (scatter-gather over every events shard) 25%, event pages (one shard, event cache) 75%; anonymous',
  buys: false,
  async prepare(ctx) {
    const eventIds = await seedEvents(ctx, { title: 'Load', capacity: 1000 });
    // Read each page once, so the cached runs start warm and the comparison is about steady state.
    const anonymous = new ApiClient(ctx.apiUrl);
    await inParallel(eventIds.length, 8, (i) => anonymous.getJson(`/api/events/${eventIds[i]}`));
    const steps = new BrowseSteps(eventIds, ctx.shards);
    return { iterate: (vu) => steps.step(vu) };
  },
};
