/**
 * The read-your-writes experiment of `npm run bench:replicas` (and the lab's `replicas`): users
 * write and read back with pinning off and on, then anonymous reads with the replica up and
 * stopped. Everything it prints goes through `options.log`; it returns the figures.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { ApiClient, signUpAndIn } from '../../api/api-client';
import { ReplicaBenchStack, countsSince, readsByTarget, startReplicaBenchStack } from './stack';

export interface ReplicaBenchOptions {
  users: number;
  rounds: number;
  applyDelayMs: number;
  pinMs: number;
  /** Seconds of each anonymous-read round. */
  seconds: number;
  log: (line: string) => void;
}

/** One read: how many shard reads it makes, how long after the user's last write, and if it was stale. */
export interface ReadSample {
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
async function userRounds(browser: ApiClient, samples: ReadSample[], rounds: number): Promise<void> {
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
  for (let round = 0; round < rounds; round++) {
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

async function phase(stack: ReplicaBenchStack, positions: boolean, o: ReplicaBenchOptions) {
  const browsers = await Promise.all(
    Array.from({ length: o.users }, () => signedUp(stack.gatewayUrl, positions)),
  );
  await sleep(o.applyDelayMs * 3); // sign-ups replayed: only the rounds' own writes are in flight
  const samples: ReadSample[] = [];
  const before = await readsByTarget(stack.serviceUrls);
  await Promise.all(browsers.map((b) => userRounds(b, samples, o.rounds)));
  const reads = countsSince(before, await readsByTarget(stack.serviceUrls));
  return { samples, reads };
}

export function sum(map: Map<string, number>, pick: (key: string) => boolean): number {
  return [...map].filter(([k]) => pick(k)).reduce((n, [, v]) => n + v, 0);
}

function report(label: string, result: PinningPhase, o: ReplicaBenchOptions): void {
  const kinds = [...new Set(result.samples.map((s) => s.kind))];
  o.log(`\n${label}: ${result.samples.length} reads by ${o.users} users`);
  for (const kind of kinds) {
    const of = result.samples.filter((s) => s.kind === kind);
    o.log(
      `  ${kind.padEnd(22)} ${String(of.filter((s) => s.stale).length).padStart(4)} stale of ${of.length}`,
    );
  }
  const total = sum(result.reads, () => true);
  const replica = sum(result.reads, (k) => k.startsWith('replica/'));
  o.log(
    `  shard reads served by the replica: ${replica} of ${total} (${((100 * replica) / Math.max(1, total)).toFixed(0)} %)`,
  );
  o.log(
    `  by target/reason: ${[...result.reads]
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
}

/** Anonymous reads for `seconds` with 16 readers: event pages and the listing. Reads per second. */
async function throughput(gatewayUrl: string, eventIds: string[], seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
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
  return done / seconds;
}

/** What a pinning phase saw: every read-back, and the shard reads by target and reason. */
export type PinningPhase = Awaited<ReturnType<typeof phase>>;

/** The figures of one run of the experiment. */
export interface ReplicaBenchResult {
  off: PinningPhase;
  on: PinningPhase;
  /** Shard reads the pinned run sent to the primary, and what pinning every read for `pinMs` after a write would have. */
  primaryReads: { positions: number; timeBased: number };
  /** Anonymous reads/s with the replica up (1) and stopped (0), per round, rounds alternating 1 0, 0 1. */
  throughput: Array<{ round: number; replicas: number; rps: number }>;
}

/** The whole experiment on a private primary + replica and a stack on it, removed afterwards. */
export async function runReplicaBench(o: ReplicaBenchOptions): Promise<ReplicaBenchResult> {
  o.log(
    `bench:replicas: ${o.users} users × ${o.rounds} rounds, replica replaying ${o.applyDelayMs} ms behind`,
  );
  o.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const stack = await startReplicaBenchStack(o.applyDelayMs, {
    CACHE_ENABLED: 'false',
    REPLICA_POLL_INTERVAL_MS: '100',
  });
  try {
    const off = await phase(stack, false, o);
    report('pinning off (positions cookie dropped)', off, o);
    const on = await phase(stack, true, o);
    report('pinning on (positions cookie kept)', on, o);

    const lsnPrimary = sum(on.reads, (k) => k.startsWith('primary/'));
    const timePrimary = on.samples
      .filter((s) => s.sinceWriteMs < o.pinMs)
      .reduce((n, s) => n + s.shardReads, 0);
    const staleAfter = off.samples.filter((s) => s.stale).map((s) => s.sinceWriteMs);
    o.log(`\nsame pinned run, shard reads sent to the primary:`);
    o.log(`  position pinning (this code):            ${lsnPrimary}`);
    o.log(
      `  time-based pinning, ${o.pinMs} ms after a write: ${timePrimary} (computed from each read's time since the user's last write)`,
    );
    o.log(`  unpinned stale reads happened up to ${Math.max(0, ...staleAfter)} ms after a write`);

    const admin = new ApiClient(stack.gatewayUrl);
    const events = (await admin.get('/api/events?limit=100')).body as { items: Array<{ id: string }> };
    const ids = events.items.map((e) => e.id);
    const replica = stack.cluster.replicas[0]!;
    let up = true;
    const setReplica = async (want: boolean) => {
      if (want === up) return;
      if (want) await stack.cluster.startNode(replica);
      else await stack.cluster.stopNode(replica, 'immediate');
      up = want;
      await sleep(1500); // the pollers notice
    };
    const rounds: ReplicaBenchResult['throughput'] = [];
    // Up then stopped, then stopped then up (A B B A): a drift of the machine falls on both.
    for (let round = 0; round < 2; round++) {
      for (const replicas of round % 2 === 0 ? [1, 0] : [0, 1]) {
        await setReplica(replicas === 1);
        rounds.push({ round, replicas, rps: await throughput(stack.gatewayUrl, ids, o.seconds) });
      }
    }
    await setReplica(true);
    const mean = (n: number) => {
      const of = rounds.filter((r) => r.replicas === n).map((r) => r.rps);
      return of.reduce((a, b) => a + b, 0) / of.length;
    };
    o.log(`\nanonymous read throughput, 16 readers, ${o.seconds} s per round, rounds alternating:`);
    for (const r of rounds) o.log(`  ${r.replicas} replica(s): ${r.rps.toFixed(0)} reads/s`);
    o.log(
      `  mean: 1 replica ${mean(1).toFixed(0)} reads/s, 0 replicas ${mean(0).toFixed(0)} reads/s, ratio ${(mean(1) / Math.max(1, mean(0))).toFixed(2)}`,
    );
    o.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    return { off, on, primaryReads: { positions: lsnPrimary, timeBased: timePrimary }, throughput: rounds };
  } finally {
    await stack.stop();
  }
}
