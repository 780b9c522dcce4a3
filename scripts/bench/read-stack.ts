import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@boxoffice/platform';
import { formatBucketRange, withDatabase } from '@boxoffice/sharding';
import { TopologyFile, platformEnvSchema } from '@boxoffice/runtime';
import { REPO_ROOT, freePort } from '../lib/process-stack';
import { OwnStack, startOwnStack } from '../load/own-stack';
import { createEvent, getJson, inParallel, newRunId, signUpAndIn } from '../load/seed-client';

/** The bare Express baseline, running in its own process. */
export interface BareApp {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts scripts/bench/bare-express.ts on a free port and waits until it listens. */
export async function startBareApp(env: Record<string, string> = {}): Promise<BareApp> {
  const port = await freePort();
  const profile = env.BOXOFFICE_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${env.BOXOFFICE_CPU_PROF_DIR}`]
    : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', join(REPO_ROOT, 'scripts/bench/bare-express.ts'), String(port)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the bare Express app did not listen within 30 s')),
      30_000,
    );
    child.once('exit', (code) => reject(new Error(`the bare Express app exited (${code}) before listening`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

/** `count` events shards of equal size, the other services on the default preset. */
export function eventsShardTopology(count: number, pgUrl: string): (prefix: string) => TopologyFile {
  return (prefix) => {
    const size = 256 / count;
    const shards = Array.from({ length: count }, (_, i) => {
      const range = formatBucketRange({ lo: i * size, hi: (i + 1) * size - 1 });
      return { range, primary: withDatabase(pgUrl, `${prefix}events_s${count}_${i}`), replicas: [] };
    });
    return { services: { events: { shards } } };
  };
}

/** A private stack with the events the bench reads: one cached event page and a listing's worth. */
export interface ReadStack {
  stack: OwnStack;
  eventId: string;
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
}): Promise<ReadStack> {
  const pgUrl = loadConfig(platformEnvSchema, process.env).PG_URL;
  const stack = await startOwnStack(options.env ?? {}, {
    topology: options.shards ? eventsShardTopology(options.shards, pgUrl) : undefined,
  });
  try {
    const run = newRunId();
    const organizer = await signUpAndIn(stack.gatewayUrl, `bench-read-${run}@example.test`, 'Bench');
    const ids = await inParallel(options.events, 8, (i) =>
      createEvent(stack.gatewayUrl, organizer, {
        title: `Bench read ${run} ${i}`,
        capacity: 1000,
        inDays: 1 + (i % 90),
      }),
    );
    const eventId = ids[0]!;
    await getJson(stack.gatewayUrl, `/api/events/${eventId}`);
    await getJson(stack.gatewayUrl, '/api/events?limit=20');
    return { stack, eventId, pgUrl, stop: () => stack.stop() };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
