import { SignedInUser, signUpAndIn } from '../../api/api-client';
import { inParallel } from '../../api/seeding';
import type { ShardLabels } from '../shard-labels';
import type { ScenarioContext, VirtualUser } from './scenario';

/** An order as the tickets service answers it (docs/architecture.md, The public API). */
interface OrderBody {
  id?: unknown;
  status?: unknown;
  quantity?: unknown;
}

/** Seeds `count` signed-in buyers, then makes sure the tickets endpoints answer at all. */
export async function seedBuyers(ctx: ScenarioContext, count: number): Promise<SignedInUser[]> {
  const buyers = await inParallel(count, 8, (i) =>
    signUpAndIn(ctx.apiUrl, {
      email: `load-${ctx.runId}-buyer-${i}@example.test`,
      displayName: `Load Buyer ${i}`,
    }),
  );
  const probe = await buyers[0]!.client.get('/api/me/tickets');
  if (probe.status !== 200) {
    throw new Error(
      `GET /api/me/tickets answered ${probe.status}: the ${ctx.options.scenario} scenario needs the tickets service (orders, tickets, the purchase saga)`,
    );
  }
  return buyers;
}

/**
 * Buying, as buyers do it: POST /api/orders waiting up to 2 s for the saga (201 confirmed, 409
 * rejected, 202 still pending), and reading one's own orders and tickets. Keeps every order id
 * and outcome, so a scenario can settle pending orders and report seats sold at the end.
 */
export class PurchaseSteps {
  readonly outcomes = { confirmed: 0, rejected: 0, pending: 0, failed: 0 };
  readonly confirmedSeats = { count: 0 };
  /** Orders answered 202, to poll when the run is over. */
  readonly pendingOrders: { id: string; buyer: SignedInUser }[] = [];
  private readonly ordersByBuyer = new Map<string, string[]>();

  constructor(
    private readonly buyers: readonly SignedInUser[],
    private readonly shards: ShardLabels,
  ) {}

  buyerOf(vu: VirtualUser): SignedInUser {
    return this.buyers[vu.index % this.buyers.length]!;
  }

  async order(vu: VirtualUser, eventId: string, quantity: number): Promise<void> {
    const buyer = this.buyerOf(vu);
    const res = await vu.client.send({
      operation: 'order',
      method: 'POST',
      path: '/api/orders',
      headers: { cookie: buyer.cookie, prefer: 'wait=2' },
      body: { eventId, quantity },
      expect: [201, 202, 409],
      // Orders live on their buyer's shard: the order id carries the buyer's two leading hex digits.
      shard: this.shards.of('tickets', buyer.user.id),
    });
    if (!res) return;
    const id = (res.body as OrderBody | undefined)?.id;
    if (typeof id === 'string')
      this.ordersByBuyer.set(buyer.user.id, [...(this.ordersByBuyer.get(buyer.user.id) ?? []), id]);
    if (res.status === 201) {
      this.outcomes.confirmed++;
      this.confirmedSeats.count += quantity;
    } else if (res.status === 409) this.outcomes.rejected++;
    else if (res.status === 202 && typeof id === 'string') {
      this.outcomes.pending++;
      this.pendingOrders.push({ id, buyer });
    } else this.outcomes.failed++;
  }

  async myTickets(vu: VirtualUser): Promise<void> {
    const buyer = this.buyerOf(vu);
    await vu.client.send({
      operation: 'my tickets',
      path: '/api/me/tickets?limit=20',
      headers: { cookie: buyer.cookie },
      expect: [200],
      shard: this.shards.of('tickets', buyer.user.id),
    });
  }

  /** One of the buyer's own orders; their tickets page when they have none yet. */
  async myOrder(vu: VirtualUser): Promise<void> {
    const buyer = this.buyerOf(vu);
    const orders = this.ordersByBuyer.get(buyer.user.id);
    if (!orders || orders.length === 0) return this.myTickets(vu);
    const id = orders[Math.floor(vu.random() * orders.length)]!;
    await vu.client.send({
      operation: 'my order',
      path: `/api/orders/${id}`,
      headers: { cookie: buyer.cookie },
      expect: [200],
      shard: this.shards.of('tickets', id),
    });
  }

  /**
   * Polls the orders that were still pending when answered, for up to `maxMs`, so the report
   * can say how they ended. Returns how many stayed pending.
   */
  async settlePending(
    maxMs = 15_000,
  ): Promise<{ confirmed: number; confirmedSeats: number; rejected: number; pending: number }> {
    const deadline = Date.now() + maxMs;
    let open = [...this.pendingOrders];
    const settled = { confirmed: 0, confirmedSeats: 0, rejected: 0 };
    while (open.length > 0 && Date.now() < deadline) {
      const still: typeof open = [];
      await inParallel(open.length, 8, async (i) => {
        const { id, buyer } = open[i]!;
        const res = await buyer.client.get<OrderBody>(`/api/orders/${id}`).catch(() => null);
        const order = res?.status === 200 ? res.body : undefined;
        const status = order?.status;
        if (status === 'confirmed') {
          settled.confirmed++;
          settled.confirmedSeats += typeof order?.quantity === 'number' ? order.quantity : 0;
        } else if (status === 'rejected') settled.rejected++;
        else still.push(open[i]!);
      });
      open = still;
      if (open.length > 0) await new Promise((r) => setTimeout(r, 500));
    }
    return { ...settled, pending: open.length };
  }
}
