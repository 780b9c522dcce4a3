import type { Migration } from '@boxoffice/sharding';

/**
 * One row per order the events service has decided, on the event's shard: `reserved` rows hold
 * seats (quantity − seats_released of them), `rejected` rows remember the answer, so a repeated
 * `order.requested` gets the same outcome again and never a second reservation (order_id is the key).
 */
export const seatReservationsMigration: Migration = {
  name: '0002_seat_reservations',
  async up(db) {
    await db.schema.createTable('seat_reservations', (t) => {
      t.uuid('order_id').primary();
      // No foreign key: a rejection for an unknown event (event_not_found) is recorded too.
      t.uuid('event_id').notNullable();
      t.uuid('buyer_id').notNullable();
      t.integer('quantity').notNullable();
      t.text('outcome').notNullable();
      t.text('reason');
      t.integer('seats_released').notNullable().defaultTo(0);
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
      t.index(['event_id']);
    });
    await db.raw(`
      alter table seat_reservations
        add constraint seat_reservations_outcome check (outcome in ('reserved', 'rejected')),
        add constraint seat_reservations_quantity check (quantity between 1 and 10),
        add constraint seat_reservations_released check (seats_released between 0 and quantity)
    `);
  },
  async down(db) {
    await db.schema.dropTableIfExists('seat_reservations');
  },
};
