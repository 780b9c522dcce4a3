import { ChildProcess, spawn } from 'node:child_process';
import { checkInvariantsWhenQuiet, freePort } from '@boxoffice/devstack';
import { TestEnv } from '../support';
import { Buyer, get, newBuyer, order, settledOrder } from '../tickets/purchase-kit';

/** A redis-server of the test's own on a free port, no persistence: a restart starts it empty. */
export interface OwnRedis {
  url: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const { createConnection } = await import('node:net');
          await new Promise<void>((resolve, reject) => {
            const socket = createConnection(port, '127.0.0.1', () => {
              socket.end();
              resolve();
            });
            socket.once('error', reject);
          });
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async kill(signal = 'SIGKILL') {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await gone;
    },
  };
  await redis.start();
  return redis;
}

export interface RushOutcome {
  /** Orders the API acknowledged (201/202/409), with their buyers. */
  acknowledged: { buyer: Buyer; orderId: string }[];
  /** Statuses of the requests it refused. */
  refused: number[];
  /** How long each refused request took, in ms. */
  refusedMs: number[];
}

/**
 * Waves of one-seat orders on `eventId`; `during(wave)` runs while that wave is in flight (15 ms
 * in), so a fault lands mid-request. Every answer is checked against the OpenAPI document.
 */
export async function rush(
  url: string,
  eventId: string,
  options: {
    waves: number;
    waveSize: number;
    during?: (wave: number) => Promise<void> | void;
    buyers?: () => Buyer;
  },
): Promise<RushOutcome> {
  const outcome: RushOutcome = { acknowledged: [], refused: [], refusedMs: [] };
  for (let wave = 0; wave < options.waves; wave++) {
    const buyers = Array.from({ length: options.waveSize }, options.buyers ?? newBuyer);
    const fault = new Promise((r) => setTimeout(r, 15)).then(() => options.during?.(wave));
    const started = Date.now();
    const responses = await Promise.all(
      buyers.map(async (buyer) => {
        const res = await order(url, buyer, { eventId, quantity: 1 }, { prefer: 'wait=0' });
        return { res, ms: Date.now() - started };
      }),
    );
    await fault;
    responses.forEach(({ res, ms }, i) => {
      if ([201, 202, 409].includes(res.status))
        outcome.acknowledged.push({ buyer: buyers[i]!, orderId: res.body.id });
      else {
        outcome.refused.push(res.status);
        outcome.refusedMs.push(ms);
      }
    });
  }
  return outcome;
}

/**
 * Every acknowledged order reaches confirmed or sold out, the invariants hold on every shard,
 * and the event never sold more than its capacity.
 */
export async function expectEverythingSettles(
  url: string,
  env: TestEnv,
  eventId: string,
  capacity: number,
  acknowledged: RushOutcome['acknowledged'],
  timeoutMs = 60_000,
): Promise<{ settledAfterMs: number }> {
  const started = Date.now();
  const settled = await Promise.all(
    acknowledged.map(({ buyer, orderId }) => settledOrder(url, buyer, orderId, timeoutMs)),
  );
  const settledAfterMs = Date.now() - started;
  const confirmed = settled.filter((o) => o.status === 'confirmed').length;
  expect(settled.filter((o) => o.status !== 'confirmed' && o.reason !== 'sold_out')).toEqual([]);
  const report = await checkInvariantsWhenQuiet(env.topology, timeoutMs);
  expect(report.violations).toEqual([]);
  const seatsSold = (await get(url, `/api/events/${eventId}`)).body.seatsSold;
  expect(seatsSold).toBeLessThanOrEqual(capacity);
  expect(seatsSold).toBeGreaterThanOrEqual(confirmed);
  return { settledAfterMs };
}
