import knex, { Knex } from 'knex';
import { newId } from '@boxoffice/platform';
import { bucketOf, databaseOf } from '@boxoffice/sharding';
import { EventsHarness, startEvents } from './events-test-kit';

describe('events on their shards', () => {
  let events: EventsHarness;
  /** A direct connection to each shard database, bypassing the service entirely. */
  let direct: { name: string; database: string; lo: number; hi: number; db: Knex }[];

  beforeAll(async () => {
    events = await startEvents();
    direct = events.env.topology.services.events.shards.map((shard) => ({
      name: shard.name,
      database: databaseOf(shard.primary),
      lo: shard.range.lo,
      hi: shard.range.hi,
      db: knex({ client: 'pg', connection: shard.primary, pool: { min: 0, max: 1 } }),
    }));
  });

  afterAll(async () => {
    await Promise.all((direct ?? []).map((d) => d.db.destroy()));
    await events?.close();
  });

  test('when one user creates 60 events, then they land on all four shards, each on the shard its id names', async () => {
    const organizer = newId();
    const created = await Promise.all(Array.from({ length: 60 }, () => events.createEvent(organizer)));

    const found = new Map<string, string>();
    for (const shard of direct) {
      const rows: { id: string }[] = await shard.db('events').where({ organizer_id: organizer }).select('id');
      expect(rows.length).toBeGreaterThan(0);
      for (const { id } of rows) {
        expect(bucketOf(id)).toBeGreaterThanOrEqual(shard.lo);
        expect(bucketOf(id)).toBeLessThanOrEqual(shard.hi);
        expect(found.has(id)).toBe(false);
        found.set(id, shard.database);
      }
    }
    expect(new Set(found.values())).toEqual(new Set(direct.map((d) => d.database)));
    expect([...found.keys()].sort()).toEqual(created.map((e) => e.id).sort());
    expect(direct.map((d) => d.database)).toEqual(
      ['0_2', '3_5', '6_8', '9_f'].map((range) => `${events.env.prefix}events_${range}`),
    );
  });

  describe('the constraints on every shard', () => {
    const insert = (db: Knex, row: Record<string, unknown>) =>
      db('events').insert({
        id: `00${newId().slice(2)}`,
        organizer_id: newId(),
        title: 't',
        venue: 'v',
        starts_at: new Date(),
        capacity: 10,
        ...row,
      });

    test.each<[string, Record<string, unknown>]>([
      ['seats_sold above capacity', { seats_sold: 11 }],
      ['negative seats_sold', { seats_sold: -1 }],
      ['capacity 0', { capacity: 0 }],
      ['an unknown status', { status: 'sold_out' }],
    ])('when a row has %s, then Postgres refuses it', async (_name, row) => {
      await expect(insert(direct[0]!.db, row)).rejects.toMatchObject({ code: '23514' });
    });

    test('when seats are sold up to capacity, then Postgres accepts it', async () => {
      await expect(insert(direct[0]!.db, { seats_sold: 10 })).resolves.toBeDefined();
    });
  });
});
