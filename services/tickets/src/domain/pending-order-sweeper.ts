import type { Logger } from '@boxoffice/platform';
import type { ShardDatabases } from '@boxoffice/sharding';
import { OUTBOX_TABLE } from '@boxoffice/bus';
import { MESSAGE_TYPES, PURCHASE_TOPICS } from '@boxoffice/contracts';

/** Orders re-requested per shard per sweep: a bound on one sweep's work after a long outage. */
const BATCH = 200;

/**
 * Re-drives orders whose messages the bus lost (docs/decisions/0014-pending-order-sweeper.md).
 * Every `delayMs`, on each shard, an order still `pending` after `delayMs` gets a fresh
 * `order.requested` through the outbox, unless one is still waiting there to be relayed. The
 * events service answers a repeated request with the decision it already made (by order id), and
 * settling is idempotent, so a re-request never takes a second seat; it only makes a lost
 * `order.requested` or `seats.*` message be sent again.
 */
export class PendingOrderSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dbs: ShardDatabases,
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
    for (const shard of this.dbs.router.shards) {
      total += await this.dbs.runOn(shard, async (db) => {
        const { rowCount } = await db.raw(
          `insert into ${OUTBOX_TABLE} (message_id, topic, key, type, payload)
           select gen_random_uuid(), :topic, o.event_id::text, :type,
                  jsonb_build_object('orderId', o.id, 'buyerId', o.buyer_id, 'eventId', o.event_id, 'quantity', o.quantity)
           from orders o
           where o.status = 'pending' and o.created_at < now() - make_interval(secs => :delay)
             and not exists (
               select 1 from ${OUTBOX_TABLE} x
               where x.type = :type and x.key = o.event_id::text and x.payload->>'orderId' = o.id::text)
           order by o.created_at
           limit :batch`,
          {
            topic: PURCHASE_TOPICS.orders,
            type: MESSAGE_TYPES.orderRequested,
            delay: this.delayMs / 1000,
            batch: BATCH,
          },
        );
        return rowCount ?? 0;
      });
    }
    return total;
  }
}
