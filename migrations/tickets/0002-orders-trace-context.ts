import type { Migration } from '@boxoffice/sharding';

/**
 * The trace an order was placed in (W3C `traceparent`), so the pending-order sweeper's re-request
 * of it continues the same trace. Nullable: orders placed with tracing off carry none.
 */
export const ordersTraceContextMigration: Migration = {
  name: '0002_orders_trace_context',
  async up(db) {
    await db.schema.alterTable('orders', (t) => t.text('trace_context'));
  },
  async down(db) {
    await db.schema.alterTable('orders', (t) => t.dropColumn('trace_context'));
  },
};
