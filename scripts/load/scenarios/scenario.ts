import type { LoadClient } from '../load-client';
import type { LoadOptions } from '../options';
import type { Random } from '../rng';
import type { ShardLabels } from '../shard-labels';

/** What a scenario gets to prepare itself. */
export interface ScenarioContext {
  /** The gateway: seeding always goes through it (creating needs a session). */
  apiUrl: string;
  /** Unique per run; part of every email and title seeded, so runs never collide. */
  runId: string;
  options: LoadOptions;
  shards: ShardLabels;
}

/** One virtual user: it runs iterations one after another on its own connection. */
export interface VirtualUser {
  index: number;
  random: Random;
  client: LoadClient;
}

export interface PreparedScenario {
  /** One iteration: one request or a short sequence (sign up, sign in, read). */
  iterate(vu: VirtualUser): Promise<void>;
  /** After the clock stops: facts worth reporting (rush: seats sold against capacity). */
  finish?(): Promise<string[]>;
}

export interface Scenario {
  name: string;
  /** One line for the report: what the scenario exercises. */
  description: string;
  /** Whether it buys tickets (the invariant check runs after every scenario; these are the ones it tests). */
  buys: boolean;
  /** Seeds what the run needs, through the API, before measuring starts. */
  prepare(ctx: ScenarioContext): Promise<PreparedScenario>;
}
