import request from 'supertest';
import { ControlStore, Resharder } from '@boxoffice/reshard';
import { checkInvariantsWhenQuiet } from '@boxoffice/devstack';
import { TestStack, callerHeaders, startTestStack } from '../support';
import { settledOrder } from '../tickets/purchase-kit';
import { bucket, buyWhile, countsIn, eventsToBuy, latencyLine, resharderFor } from './reshard-kit';

const RANGE = { lo: 0x90, hi: 0xff };

/**
 * The whole system as processes, buyers purchasing through the gateway while events and tickets
 * are both split 90-ff at c0: the processes learn the new maps on their own (NOTIFY), the saga's
 * messages keep flowing, and afterwards every acknowledged order is on exactly one tickets shard,
 * the one the new map names, and no event is oversold.
 */
describe('resharding events and tickets under purchases', () => {
  let stack: TestStack;
  let resharder: Resharder;
  let store: ControlStore;
  let lines: string[];

  beforeAll(async () => {
    stack = await startTestStack();
    ({ resharder, store, lines } = await resharderFor(stack.env, { batchSize: 20 }));
  });

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  test('when both are split during purchases, then no request fails, every order is once on its new shard and no seat is oversold', async () => {
    const events = await eventsToBuy(stack.gatewayUrl);
    const { acked, failed, took } = await buyWhile(stack.gatewayUrl, events, async () => {
      await resharder.split('events', RANGE, 0xc0);
      await resharder.split('tickets', RANGE, 0xc0);
    });
    expect(failed).toEqual([]);
    expect(acked.filter((a) => bucket(a.id) >= 0xc0).length).toBeGreaterThan(0);
    if (process.env.RESHARD_REPORT) {
      process.stdout.write(
        `${lines.join('\n')}\norders: ${acked.length} answered, ${failed.length} failed; latency ${latencyLine(took)}\n`,
      );
    }

    // Each process routes by the map it reports; nobody told them but the control database.
    const versions = await Promise.all(
      stack.processes
        .filter((p) => p.role !== 'gateway')
        .map(async (p) => [
          p.role,
          (await request(p.url).get('/internal/stats').set(callerHeaders())).body.shardMapVersion,
        ]),
    );
    expect(versions.sort()).toEqual([
      ['events', 1],
      ['tickets', 1],
      ['users', 0],
    ]);

    // Every order settles (the saga crossed the switch), then the old copies go.
    for (const a of acked) await settledOrder(stack.gatewayUrl, a.buyer, a.id);
    await resharder.complete('events');
    await resharder.complete('tickets');

    const maps = { events: (await store.latest('events'))!, tickets: (await store.latest('tickets'))! };
    expect(maps.tickets.shards.map((s) => s.name)).toEqual(['0_2', '3_5', '6_8', '9_b', 'c_f']);
    const databases = maps.tickets.shards.map((s) =>
      s.primary.split('/').pop()!.slice(stack.env.prefix.length),
    );
    const counts = await countsIn(
      stack.env,
      databases,
      'orders',
      'id',
      acked.map((a) => a.id),
    );
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    const [onTarget] = await countsIn(
      stack.env,
      ['tickets_c_f'],
      'orders',
      'id',
      acked.filter((a) => bucket(a.id) >= 0xc0).map((a) => a.id),
    ).then((m) => [[...m.values()].every((n) => n === 1)]);
    expect(onTarget).toBe(true);

    // Checked over the layout in force: the published maps replace the topology's own.
    const report = await checkInvariantsWhenQuiet(stack.env.topology, 30_000);
    expect(report.violations).toEqual([]);
    expect(report.counts.orders).toBe(acked.length);
  });
});
