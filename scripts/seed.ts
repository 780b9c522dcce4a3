/**
 * `npm run seed`: a populated system for a newcomer. Creates demo users and their events through
 * the public API at the gateway (docs/architecture.md, The public API), exactly as a client would: POST /api/users, sign in
 * with POST /api/sessions, then POST /api/events with the `sid` cookie. Run it after `npm start`.
 *
 *   npm run seed -- --users 10 --events 200 --url http://127.0.0.1:8080
 *
 * Flags win over the environment (GATEWAY_URL, SEED_USERS, SEED_EVENTS, SEED_CONCURRENCY).
 * Running it twice is fine: existing demo users are signed in instead of created.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { ApiClient, EventInput } from './api/api-client';
import { inParallel } from './api/seeding';

const optionsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  users: z.coerce.number().int().min(1).max(1000).default(5),
  events: z.coerce.number().int().min(0).max(100_000).default(60),
  concurrency: z.coerce.number().int().min(1).max(64).default(8),
});
export type SeedOptions = z.infer<typeof optionsSchema>;

/** Every demo user's password: this is demo data on a local stack, printed at the end on purpose. */
export const DEMO_PASSWORD = 'boxoffice-demo-password';

const TITLES = ['Sharded Symphony', 'Cache Invalidation Blues', 'The Message Bus Tour', 'Read Replica Rave'];
const SUFFIXES = ['Live', 'Unplugged', 'Late Show', 'Matinee', 'Festival Night', 'Encore'];
const VENUES = ['Hall 0-2', 'Arena 3-5', 'Club 6-8', 'Stadium 9-f', 'The Load Balancer', 'Kyiv Expo'];
const CAPACITIES = [50, 120, 300, 800, 2000, 5000];

/** Creates the user (or finds it already there) and signs in: a client holding its session. */
async function demoOrganizer(base: string, n: number): Promise<ApiClient> {
  const client = new ApiClient(base);
  const email = `demo-${n}@example.com`;
  // 409 email_taken: seeded before; sign in below.
  await client.signUp(
    { email, password: DEMO_PASSWORD, displayName: `Demo Organizer ${n}` },
    { existing: 'ok' },
  );
  await client.signIn(email, DEMO_PASSWORD);
  return client;
}

function demoEvent(n: number): EventInput {
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
  // Spread over the next four months, at 19:00–22:00 UTC, so the listing has a timeline to page through.
  const startsAt = new Date();
  startsAt.setUTCDate(startsAt.getUTCDate() + 1 + Math.floor(Math.random() * 120));
  startsAt.setUTCHours(19 + Math.floor(Math.random() * 4), pick([0, 15, 30, 45]), 0, 0);
  return {
    title: `${pick(TITLES)}: ${pick(SUFFIXES)} #${n}`,
    venue: pick(VENUES),
    startsAt: startsAt.toISOString(),
    capacity: pick(CAPACITIES),
    description: 'Demo event created by npm run seed.',
  };
}

/** Runs `work(i)` for i in 0..count-1 with at most `concurrency` at a time; collects failures. */
async function runPool(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<Error[]> {
  const failures: Error[] = [];
  await inParallel(count, concurrency, (i) => work(i).catch((err: Error) => void failures.push(err)));
  return failures;
}

export interface SeedReport {
  users: number;
  events: number;
  failures: string[];
}

/** Seeds through the gateway; `onProgress` is called once per user or event done (or failed). */
export async function seedDemo(
  options: SeedOptions,
  onProgress: () => void = () => undefined,
): Promise<SeedReport> {
  const base = options.url.replace(/\/$/, '');
  const users: ApiClient[] = [];
  const userFailures = await runPool(options.users, options.concurrency, async (i) => {
    try {
      users.push(await demoOrganizer(base, i + 1));
    } finally {
      onProgress();
    }
  });
  let events = 0;
  const eventFailures =
    users.length === 0
      ? []
      : await runPool(options.events, options.concurrency, async (i) => {
          try {
            const organizer = users[i % users.length]!;
            const { id } = await organizer.createEvent(demoEvent(i + 1));
            // Every fourth demo event gets a poster, made here (nothing is downloaded).
            if (i % 4 === 0) await organizer.putEventImage(id, await demoPoster(i), 'image/png');
            events++;
          } finally {
            onProgress();
          }
        });
  const failures = [...userFailures, ...eventFailures].map((e) => e.message);
  if (users.length === 0 && options.events > 0)
    failures.push('no user could sign in, so no events were created');
  return { users: users.length, events, failures };
}

/** A 1200×800 poster: a colour from the event's number, with a lighter band across it. */
async function demoPoster(n: number): Promise<Buffer> {
  const hue = (n * 47) % 360;
  const band = await sharp({
    create: { width: 1200, height: 200, channels: 3, background: `hsl(${hue}, 60%, 75%)` },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 1200, height: 800, channels: 3, background: `hsl(${hue}, 55%, 35%)` } })
    .composite([{ input: band, left: 0, top: 300 }])
    .png()
    .toBuffer();
}

function readOptions(): SeedOptions {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      users: { type: 'string' },
      events: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run seed -- [--url URL] [--users N] [--events N] [--concurrency N]');
    process.exit(0);
  }
  const env = process.env;
  const parsed = optionsSchema.safeParse({
    url: values.url ?? env.GATEWAY_URL,
    users: values.users ?? env.SEED_USERS,
    events: values.events ?? env.SEED_EVENTS,
    concurrency: values.concurrency ?? env.SEED_CONCURRENCY,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`bad options: ${problems}`);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const options = readOptions();
  try {
    await fetch(`${options.url.replace(/\/$/, '')}/healthz`);
  } catch {
    throw new Error(`cannot reach the gateway at ${options.url}; is \`npm start\` running?`);
  }
  const bar = new SingleBar({
    format:
      'seeding |{bar}| {value}/{total} users + events | {duration_formatted} elapsed, ETA {eta_formatted}',
    hideCursor: true,
  });
  bar.start(options.users + options.events, 0);
  const report = await seedDemo(options, () => bar.increment());
  bar.stop();
  console.log(`\n${report.users} demo users (password "${DEMO_PASSWORD}"), ${report.events} events created.`);
  console.log(`Browse them: ${options.url}/api/events?limit=10   (API docs: ${options.url}/api/docs)`);
  if (report.failures.length > 0) {
    console.error(`\n${report.failures.length} steps failed; the first few:`);
    for (const failure of report.failures.slice(0, 5)) console.error(`  ${failure}`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`seed: ${err.message}`);
    process.exit(1);
  });
}
