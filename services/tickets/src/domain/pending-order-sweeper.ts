import type { Logger } from '@boxoffice/platform';
import type { ShardSpec } from '@boxoffice/sharding';
import type { BackgroundJob } from '@boxoffice/runtime';
import type { OrderRepository } from '../data-access';
import { orderRequested } from '../messages';

/** Orders re-requested per shard per sweep: a bound on one sweep's work after a long outage. */
const BATCH = 200;

/**
 * Re-drives orders whose messages the bus lost (docs/decisions/0014-pending-order-sweeper.md).
 * Every `delayMs`, on each shard, an order still `pending` after `delayMs` gets a fresh
 * `order.requested` through the outbox, unless one is still waiting there to be relayed. The
 * events service answers a repeated request with the decision it already made (by order id), and
 * settling is idempotent, so a re-request never takes a second seat; it only makes a lost
 * `order.requested` or `seats.*` message be sent again. A background job of the service: the
 * runtime starts it with the service and stops it before the outbox relay on shutdown.
 */
export class PendingOrderSweeper implements BackgroundJob {
  readonly name = 'pending-order sweeper';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly orders: OrderRepository,
    /** The shards to sweep, asked at each sweep: a resharding may add one while it runs. */
    private readonly shards: () => readonly ShardSpec[],
    private readonly delayMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweepOnce()
        .then((count) => {
          if (count > 0) this.logger.warn({ count }, 'pending orders re-requested (a message was lost?)');
        })
        .catch((err) => this.logger.warn({ err }, 'pending-order sweep failed; the next one retries'))
        .finally(() => (this.running = undefined));
    }, this.delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep of every shard; returns how many orders were re-requested. */
  async sweepOnce(): Promise<number> {
    let total = 0;
    for (const shard of this.shards()) {
      total += await this.orders.requestStalePending(shard, {
        olderThanMs: this.delayMs,
        limit: BATCH,
        // In the trace the order was placed in, so the re-request shows there.
        requestAgain: (order) => orderRequested(order, undefined, order.traceparent),
      });
    }
    return total;
  }
}
