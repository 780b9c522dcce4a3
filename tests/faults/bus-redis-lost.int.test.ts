import { Client } from 'pg';
import { newColocatedId } from '@boxoffice/sharding';
import { createEvent, newBuyer, settledOrder } from '../tickets/purchase-kit';
import { TestStack, startTestStack } from '../support';
import { OwnRedis, expectEverythingSettles, rush, startOwnRedis } from './fault-kit';

const CAPACITY = 60;

/**
 * The bus Redis (BUS_URL, its own redis-server, no persistence) SIGKILLed mid-rush and
 * started again empty: every message in flight on it is gone. The outbox re-sends what was not
 * yet relayed; the pending-order sweeper (services/tickets/src/domain/pending-order-sweeper.ts,
 * 3 s here instead of 30 s) re-requests orders whose messages were lost. Every order settles.
 */
describe('the bus Redis lost mid-rush', () => {
  let bus: OwnRedis;
  let stack: TestStack;

  beforeAll(async () => {
    bus = await startOwnRedis();
    stack = await startTestStack({
      supervise: true,
      env: {
        BUS_URL: bus.url,
        PENDING_ORDER_SWEEP_MS: '3000',
        BUS_LEASE_MS: '1500',
        BUS_VISIBILITY_TIMEOUT_MS: '3000',
      },
    });
    // Starting a stack takes past 120 s at load 25 on the two-core CI machine.
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await bus?.kill();
  });

  test('when the bus Redis is SIGKILLed and restarted empty during a rush, then every acknowledged order still settles and the invariants hold', async () => {
    const url = stack.gatewayUrl;
    const event = await createEvent(url, CAPACITY);
    const outcome = await rush(url, event.id, {
      waves: 6,
      waveSize: 20,
      during: async (wave) => {
        if (wave === 2) await bus.kill('SIGKILL');
        if (wave === 3) await bus.start();
      },
    });
    expect(outcome.refused.every((status) => status === 503)).toBe(true);
    expect(outcome.acknowledged.length).toBeGreaterThanOrEqual(60);
    await expectEverythingSettles(url, stack.env, event.id, CAPACITY, outcome.acknowledged, 60_000);
  });

  test('when an order is pending with its message lost (nothing in the outbox, nothing on the bus), then the sweeper re-requests it and it settles', async () => {
    const url = stack.gatewayUrl;
    const event = await createEvent(url, CAPACITY);
    const buyer = newBuyer();
    const orderId = newColocatedId(buyer.id);
    // What a lost order.requested leaves behind: the committed pending order, and nothing else.
    const shard = stack.env.topology.services.tickets.shards.find((s) => s.name === shardNameFor(buyer.id))!;
    const db = new Client({ connectionString: shard.primary });
    await db.connect();
    try {
      await db.query(
        `insert into orders (id, buyer_id, event_id, quantity, request_fingerprint, created_at)
         values ($1, $2, $3, 1, 'lost', now() - interval '10 seconds')`,
        [orderId, buyer.id, event.id],
      );
    } finally {
      await db.end();
    }
    const settled = await settledOrder(url, buyer, orderId, 30_000);
    expect(settled.status).toBe('confirmed');
  });
});

/** The default shard map's tickets shard for an id: 0_2, 3_5, 6_8 or 9_f by its first hex digit. */
function shardNameFor(id: string): string {
  const digit = parseInt(id[0]!, 16);
  return digit <= 2 ? '0_2' : digit <= 5 ? '3_5' : digit <= 8 ? '6_8' : '9_f';
}
