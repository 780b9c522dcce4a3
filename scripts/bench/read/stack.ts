import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@boxoffice/platform';
import { formatBucketRange, withDatabase } from '@boxoffice/sharding';
import { PlatformEnv, TopologyFile, platformEnvSchema } from '@boxoffice/runtime';
import { ApiClient, signUpAndIn } from '../../api/api-client';
import { daysFromNow, inParallel, newRunId } from '../../api/seeding';
import { freePort } from '../../stack/ports';
import { inheritedEnv } from '../../stack/processes';
import { Stack, startStack } from '../../stack/start-stack';
import { Supervisor } from '../../stack/supervisor';

/** A benchmark's own app (the bare Express baseline, the sessions bench's servers) in its own process. */
export interface BareApp {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `entry` on a free port (as PORT) under the stack's process supervision, and waits until
 * `readyPath` answers 200.
 */
export async function startBaselineApp(options: {
  name: string;
  entry: string;
  readyPath: string;
  env?: Record<string, string>;
}): Promise<BareApp> {
  const supervisor = new Supervisor({
    logDir: mkdtempSync(join(tmpdir(), `boxoffice-${options.name}-`)),
    restarts: false,
    readyTimeoutMs: 30_000,
  });
  const port = await freePort();
  try {
    const { current } = await supervisor.start({
      name: options.name,
      role: 'baseline',
      entry: options.entry,
      readyPath: options.readyPath,
      port,
      url: `http://127.0.0.1:${port}`,
      env: { ...inheritedEnv(), NODE_ENV: 'production', ...options.env, PORT: String(port) },
    });
    return { url: current.url, pid: current.child.pid!, stop: () => supervisor.stopAll(5000) };
  } catch (err) {
    await supervisor.stopAll(5000);
    throw err;
  }
}

/** Starts bare-express.ts (its one route answers any id, so it is ready once `/api/events/ready` answers 200). */
export function startBareApp(env: Record<string, string> = {}): Promise<BareApp> {
  return startBaselineApp({
    name: 'bare',
    entry: join(__dirname, 'bare-express.ts'),
    readyPath: '/api/events/ready',
    env,
  });
}

/** `count` events shards of equal size, the other services on the default preset. */
export function eventsShardTopology(count: number): (prefix: string, config: PlatformEnv) => TopologyFile {
  return (prefix, config) => {
    const size = 256 / count;
    const shards = Array.from({ length: count }, (_, i) => {
      const range = formatBucketRange({ lo: i * size, hi: (i + 1) * size - 1 });
      return { range, primary: withDatabase(config.PG_URL, `${prefix}events_s${count}_${i}`), replicas: [] };
    });
    return { services: { events: { shards } } };
  };
}

/** A private stack with the events the bench reads: one cached event page and a listing's worth. */
export interface ReadStack {
  stack: Stack;
  eventId: string;
  /** The `sid=…` cookie of the organizer who created the events (for a write load). */
  organizerCookie: string;
  /** The Postgres cluster the stack's shards are on (PG_URL). */
  pgUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts a private stack (`shards` events shards, or the default preset), seeds `events` events
 * through the public API and reads the first one once through the gateway, so it is cached.
 */
export async function startReadStack(options: {
  shards?: number;
  events: number;
  env?: Record<string, string>;
  /** Instances of each service (default 1). */
  instances?: number;
}): Promise<ReadStack> {
  const stack = await startStack({
    env: options.env,
    topology: options.shards ? eventsShardTopology(options.shards) : undefined,
    instances: options.instances,
  });
  try {
    const run = newRunId();
    const organizer = await signUpAndIn(stack.gatewayUrl, {
      email: `bench-read-${run}@example.test`,
      displayName: 'Bench',
    });
    const ids = await inParallel(options.events, 8, async (i) => {
      const event = await organizer.client.createEvent({
        title: `Bench read ${run} ${i}`,
        venue: 'Load Test Arena',
        startsAt: daysFromNow(1 + (i % 90)),
        capacity: 1000,
        description: 'Created by npm run bench:read.',
      });
      return event.id;
    });
    const eventId = ids[0]!;
    const anonymous = new ApiClient(stack.gatewayUrl);
    await anonymous.getJson(`/api/events/${eventId}`);
    await anonymous.getJson('/api/events?limit=20');
    const pgUrl = loadConfig(platformEnvSchema, stack.data.env).PG_URL;
    return { stack, eventId, organizerCookie: organizer.cookie, pgUrl, stop: () => stack.stop() };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
