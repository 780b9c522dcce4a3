import type { Migration } from '@boxoffice/sharding';

/**
 * Orders and tickets live on the buyer's shard: their ids carry the buyer's first two hex digits
 * (newColocatedId), so "my tickets" is one shard and an order or ticket id alone routes to it.
 */
export const ordersAndTicketsMigration: Migration = {
  name: '0001_orders_and_tickets',
  async up(db) {
    await db.schema.createTable('orders', (t) => {
      t.uuid('id').primary();
      t.uuid('buyer_id').notNullable();
      t.uuid('event_id').notNullable();
      t.integer('quantity').notNullable();
      t.text('status').notNullable().defaultTo('pending');
      t.text('reason');
      // Idempotency-Key: unique per buyer (NULLs never collide); the fingerprint of the request
      // body tells a retry (same body → same order) from a reuse (another body → 422).
      t.text('idempotency_key');
      t.text('request_fingerprint').notNullable();
      // Millisecond precision so timestamps round-trip through JSON and cursors exactly.
      t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
      t.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
      t.unique(['buyer_id', 'idempotency_key']);
    });
    await db.raw(`
      alter table orders
        add constraint orders_quantity check (quantity between 1 and 10),
        add constraint orders_status check (status in ('pending', 'confirmed', 'rejected')),
        add constraint orders_reason check ((status = 'rejected') = (reason is not null))
    `);
    await db.schema.createTable('tickets', (t) => {
      t.uuid('id').primary();
      t.uuid('order_id').notNullable().references('id').inTable('orders');
      t.uuid('buyer_id').notNullable();
      t.uuid('event_id').notNullable();
      // 1..quantity; unique per order, so an order can never hold more tickets than seats.
      t.integer('seat_number').notNullable();
      t.text('status').notNullable().defaultTo('active');
      t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
      t.timestamp('cancelled_at', { useTz: true, precision: 3 });
      t.unique(['order_id', 'seat_number']);
    });
    await db.raw(`
      alter table tickets
        add constraint tickets_seat_number check (seat_number between 1 and 10),
        add constraint tickets_status check (status in ('active', 'cancelled'))
    `);
    // "My tickets", newest first, keyset-paginated.
    await db.raw('create index tickets_buyer_created on tickets (buyer_id, created_at desc, id desc)');
    await db.raw("create index tickets_event on tickets (event_id) where status = 'active'");
  },
  async down(db) {
    await db.schema.dropTableIfExists('tickets');
    await db.schema.dropTableIfExists('orders');
  },
};
