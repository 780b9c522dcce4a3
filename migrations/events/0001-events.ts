import type { Migration } from '@boxoffice/sharding';

/**
 * The events table, identical on every events shard; a row lives on the shard its id's first two
 * hex digits name (docs/architecture.md, Sharding). The CHECKs are the last line of defence for the seat invariant
 * (0 ≤ seats_sold ≤ capacity): the conditional UPDATEs keep it, the database refuses to lose it.
 */
export const eventsTableMigration: Migration = {
  name: '0001_events',
  async up(db) {
    await db.schema.createTable('events', (t) => {
      t.uuid('id').primary();
      t.uuid('organizer_id').notNullable();
      t.text('title').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.text('venue').notNullable();
      // Millisecond precision, like a JS Date: a cursor built from a row must compare equal to it,
      // or keyset pagination would show a row twice.
      t.timestamp('starts_at', { useTz: true, precision: 3 }).notNullable();
      t.integer('capacity').notNullable();
      t.integer('seats_sold').notNullable().defaultTo(0);
      t.text('status').notNullable().defaultTo('on_sale');
      t.integer('version').notNullable().defaultTo(1);
      t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
      t.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable().defaultTo(db.fn.now());
    });
    await db.raw(`
      alter table events
        add constraint events_capacity_range check (capacity between 1 and 1000000),
        add constraint events_seats_sold_nonnegative check (seats_sold >= 0),
        add constraint events_seats_sold_within_capacity check (seats_sold <= capacity),
        add constraint events_status_known check (status in ('draft', 'on_sale', 'cancelled')),
        add constraint events_version_positive check (version >= 1),
        add constraint events_title_length check (char_length(title) between 1 and 200),
        add constraint events_venue_length check (char_length(venue) between 1 and 200),
        add constraint events_description_length check (char_length(description) <= 5000)
    `);
    // The listing's keyset: where (starts_at, id) > (cursor) order by starts_at, id limit n.
    await db.raw('create index events_starts_at_id on events (starts_at, id)');
  },
  async down(db) {
    await db.schema.dropTableIfExists('events');
  },
};
