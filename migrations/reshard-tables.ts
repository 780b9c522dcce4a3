import type { ReshardTable } from '@boxoffice/reshard';
import type { ServiceName } from '@boxoffice/runtime';

const inbox: ReshardTable = { name: 'processed_messages', pk: ['consumer', 'message_id'] };

/**
 * The tables a resharding moves, per service, parents before children, each with the column
 * whose bucket places its rows (docs/resharding.md). The inbox has no key: it is copied whole,
 * so a message redelivered after the switch finds its entry on the new shard. The outbox is not
 * copied: each shard publishes what was written on it, and the switch waits for the old shard's.
 */
export const RESHARD_TABLES: Readonly<Record<ServiceName, readonly ReshardTable[]>> = {
  users: [
    { name: 'users', key: 'id', pk: ['id'] },
    { name: 'email_index', key: 'email_hash', pk: ['email_hash'] },
    { name: 'email_claim_outcomes', key: 'user_id', pk: ['claim_id'] },
  ],
  events: [
    { name: 'events', key: 'id', pk: ['id'] },
    { name: 'event_images', key: 'event_id', pk: ['event_id'] },
    { name: 'seat_reservations', key: 'event_id', pk: ['order_id'] },
    inbox,
  ],
  tickets: [
    { name: 'orders', key: 'id', pk: ['id'] },
    { name: 'tickets', key: 'buyer_id', pk: ['id'] },
    inbox,
  ],
};
