/**
 * `npm run bench:replicas`: read-your-writes on a real streaming replica, measured (docs/replicas.md).
 * Starts a private primary with one replica that replays `--apply-delay-ms` behind (so lag is
 * visible), and a private stack on it (cache off, so every read reaches a shard). Then:
 *
 * 1. N users each write (PATCH /api/me, create an event, edit it, buy a ticket) and read each
 *    write straight back, then browse (the listing, their profile) a little later; once with the
 *    positions cookie dropped (pinning off), once kept (pinning on). Prints stale read-backs of
 *    each, the share of shard reads the replica served, and how many reads time-based pinning
 *    (everything on the primary for `--pin-ms` after a write) would have sent to the primary in
 *    the same pinned run, against what position pinning did send.
 * 2. Anonymous read throughput, in alternating rounds with the replica up and stopped (0 replicas:
 *    every read falls back to the primary).
 *
 *   npm run bench:replicas -- [--users 16] [--rounds 4] [--apply-delay-ms 300] [--pin-ms 2000] [--seconds 8]
 *
 * Traffic goes to 127.0.0.1 only; the run is bounded and removes everything it made.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiClient, signUpAndIn } from './api/api-client';
import {
  ReplicaBenchStack,
  countsSince,
  readsByTarget,
  startReplicaBenchStack,
} from './bench/replicas/stack';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '4' },
    'apply-delay-ms': { type: 'string', default: '300' },
    'pin-ms': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
  },
});
const USERS = Math.min(64, Number(values.users));
const ROUNDS = Math.min(20, Number(values.rounds));
const APPLY_DELAY_MS = Number(values['apply-delay-ms']);
const PIN_MS = Number(values['pin-ms']);
const SECONDS = Math.min(60, Number(values.seconds));

/** One read: how many shard reads it makes, how long after the user's last write, and if it was stale. */
interface ReadSample {
  kind: string;
  shardReads: number;
  sinceWriteMs: number;
  stale: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

async function signedUp(gatewayUrl: string, positions: boolean): Promise<ApiClient> {
  const browser = new ApiClient(gatewayUrl, { positions });
  await signUpAndIn(browser, {
    email: `bench-${randomBytes(6).toString('hex')}@example.test`,
    displayName: 'Bench',
  });
  return browser;
}

/** One user's rounds of write-then-read. */
async function userRounds(browser: ApiClient, samples: ReadSample[]): Promise<void> {
  let lastWrite = Date.now();
  const write = async (method: string, path: string, body: unknown) => {
    const res = await browser.request(method, path, body, { prefer: 'wait=10' });
    lastWrite = Date.now();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const read = async (
    kind: string,
    shardReads: number,
    path: string,
    fresh: (body: Record<string, unknown>) => boolean,
  ) => {
    const res = await browser.get(path);
    const stale = res.status !== 200 || !fresh(res.body as Record<string, unknown>);
    samples.push({ kind, shardReads, sinceWriteMs: Date.now() - lastWrite, stale });
  };
  for (let round = 0; round < ROUNDS; round++) {
    const name = `Bench ${randomBytes(4).toString('hex')}`;
    await write('PATCH', '/api/me', { displayName: name });
    await read('profile', 1, '/api/me', (b) => b.displayName === name);
    const event = await write('POST', '/api/events', {
      title: 'Bench',
      venue: 'Hall B',
      startsAt: tomorrow(),
      capacity: 50,
    });
    await read('event page (new)', 1, `/api/events/${event.id}`, (b) => b.id === event.id);
    const title = `Bench ${randomBytes(4).toString('hex')}`;
    await write('PATCH', `/api/events/${event.id}`, { title });
    await read('event page (edited)', 1, `/api/events/${event.id}`, (b) => b.title === title);
    const order = await write('POST', '/api/orders', { eventId: event.id, quantity: 1 });
    await read('my order', 1, `/api/orders/${order.id}`, (b) => b.status === order.status);
    const ticketIds = (order.ticketIds as string[]) ?? [];
    await read('my tickets', 1, '/api/me/tickets?limit=100', (b) =>
      ticketIds.every((id) => (b.items as Array<{ id: string }>).some((t) => t.id === id)),
    );
    // Browsing a little later: the listing (every shard) and the profile, after the writes.
    await sleep(400);
    await read('listing (later)', 4, '/api/events?limit=10', () => true);
    await sleep(800);
    await read('profile (later)', 1, '/api/me', (b) => b.displayName === name);
  }
}

async function phase(stack: ReplicaBenchStack, positions: boolean) {
  const browsers = await Promise.all(
    Array.from({ length: USERS }, () => signedUp(stack.gatewayUrl, positions)),
  );
  await sleep(APPLY_DELAY_MS * 3); // sign-ups replayed: only the rounds' own writes are in flight
  const samples: ReadSample[] = [];
  const before = await readsByTarget(stack.serviceUrls);
  await Promise.all(browsers.map((b) => userRounds(b, samples)));
  const reads = countsSince(before, await readsByTarget(stack.serviceUrls));
  return { samples, reads };
}

function sum(map: Map<string, number>, pick: (key: string) => boolean): number {
  return [...map].filter(([k]) => pick(k)).reduce((n, [, v]) => n + v, 0);
}

function report(label: string, result: Awaited<ReturnType<typeof phase>>): void {
  const kinds = [...new Set(result.samples.map((s) => s.kind))];
  console.log(`\n${label}: ${result.samples.length} reads by ${USERS} users`);
  for (const kind of kinds) {
    const of = result.samples.filter((s) => s.kind === kind);
    console.log(
      `  ${kind.padEnd(22)} ${String(of.filter((s) => s.stale).length).padStart(4)} stale of ${of.length}`,
    );
  }
  const total = sum(result.reads, () => true);
  const replica = sum(result.reads, (k) => k.startsWith('replica/'));
  console.log(
    `  shard reads served by the replica: ${replica} of ${total} (${((100 * replica) / Math.max(1, total)).toFixed(0)} %)`,
  );
  console.log(
    `  by target/reason: ${[...result.reads]
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
}

/** Anonymous reads for `SECONDS` with 16 readers: event pages and the listing. Reads per second. */
async function throughput(gatewayUrl: string, eventIds: string[]): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const browser = new ApiClient(gatewayUrl);
      for (let n = i; Date.now() < deadline; n++) {
        const path = n % 2 === 0 ? `/api/events/${eventIds[n % eventIds.length]}` : '/api/events?limit=20';
        if ((await browser.get(path)).status === 200) done++;
      }
    }),
  );
  return done / SECONDS;
}

async function main(): Promise<void> {
  console.log(
    `bench:replicas: ${USERS} users × ${ROUNDS} rounds, replica replaying ${APPLY_DELAY_MS} ms behind`,
  );
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const stack = await startReplicaBenchStack(APPLY_DELAY_MS, {
    CACHE_ENABLED: 'false',
    REPLICA_POLL_INTERVAL_MS: '100',
  });
  try {
    const off = await phase(stack, false);
    report('pinning off (positions cookie dropped)', off);
    const on = await phase(stack, true);
    report('pinning on (positions cookie kept)', on);

    const lsnPrimary = sum(on.reads, (k) => k.startsWith('primary/'));
    const timePrimary = on.samples
      .filter((s) => s.sinceWriteMs < PIN_MS)
      .reduce((n, s) => n + s.shardReads, 0);
    const staleAfter = off.samples.filter((s) => s.stale).map((s) => s.sinceWriteMs);
    console.log(`\nsame pinned run, shard reads sent to the primary:`);
    console.log(`  position pinning (this code):            ${lsnPrimary}`);
    console.log(
      `  time-based pinning, ${PIN_MS} ms after a write: ${timePrimary} (computed from each read's time since the user's last write)`,
    );
    console.log(`  unpinned stale reads happened up to ${Math.max(0, ...staleAfter)} ms after a write`);

    const admin = new ApiClient(stack.gatewayUrl);
    const events = (await admin.get('/api/events?limit=100')).body as { items: Array<{ id: string }> };
    const ids = events.items.map((e) => e.id);
    const rounds: Array<{ replicas: number; rps: number }> = [];
    for (let round = 0; round < 2; round++) {
      rounds.push({ replicas: 1, rps: await throughput(stack.gatewayUrl, ids) });
      await stack.cluster.stopNode(stack.cluster.replicas[0]!, 'immediate');
      await sleep(1500); // the pollers notice
      rounds.push({ replicas: 0, rps: await throughput(stack.gatewayUrl, ids) });
      await stack.cluster.startNode(stack.cluster.replicas[0]!);
      await sleep(1500);
    }
    const mean = (n: number) => {
      const of = rounds.filter((r) => r.replicas === n).map((r) => r.rps);
      return of.reduce((a, b) => a + b, 0) / of.length;
    };
    console.log(`\nanonymous read throughput, 16 readers, ${SECONDS} s per round, rounds alternating:`);
    for (const r of rounds) console.log(`  ${r.replicas} replica(s): ${r.rps.toFixed(0)} reads/s`);
    console.log(
      `  mean: 1 replica ${mean(1).toFixed(0)} reads/s, 0 replicas ${mean(0).toFixed(0)} reads/s, ratio ${(mean(1) / Math.max(1, mean(0))).toFixed(2)}`,
    );
    console.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
