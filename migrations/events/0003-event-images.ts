import type { Migration } from '@boxoffice/sharding';

/**
 * One original image per event, on the event's shard, in a table of its own so the events row
 * (read on every page view and seat decision) stays small. `events.image_version` only ever
 * grows — an upload takes the next number, a delete keeps it — so a versioned image URL never
 * names two different images; `events.has_image` says whether one is there now.
 */
export const eventImagesMigration: Migration = {
  name: '0003_event_images',
  async up(db) {
    await db.schema.alterTable('events', (t) => {
      t.integer('image_version').notNullable().defaultTo(0);
      t.boolean('has_image').notNullable().defaultTo(false);
    });
    await db.schema.createTable('event_images', (t) => {
      t.uuid('event_id').primary().references('id').inTable('events').onDelete('cascade');
      t.integer('version').notNullable();
      t.text('content_type').notNullable();
      t.integer('width').notNullable();
      t.integer('height').notNullable();
      t.binary('bytes').notNullable();
      t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
    });
  },
  async down(db) {
    await db.schema.dropTableIfExists('event_images');
    await db.schema.alterTable('events', (t) => {
      t.dropColumn('image_version');
      t.dropColumn('has_image');
    });
  },
};
