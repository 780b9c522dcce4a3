import type { Knex } from 'knex';
import { queryPrepared } from '@boxoffice/sharding';
import { createTestDatabase } from './test-database';

/** A table for the test to write into. */
const notesMigration = {
  name: '001_notes',
  up: (db: Knex) =>
    db.schema.createTable('notes', (t) => {
      t.increments('id');
      t.text('body').notNullable();
    }),
  down: (db: Knex) => db.schema.dropTable('notes'),
};

const INSERT = 'insert into notes (body) values ($1) returning id, body';

describe('queryPrepared (a named statement on the connection knex would use)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase([notesMigration]);
  });

  afterAll(async () => {
    await database?.drop();
  });

  test('when it runs, then knex announces it as a query, on the pool and in a transaction, like its own', async () => {
    const seen: string[] = [];
    const listen = (query: { sql: string }) => seen.push(query.sql);
    database.db.on('query', listen);
    try {
      await queryPrepared(database.db, 'test-insert-note', INSERT, ['announced']);
      await database.db.transaction((trx) =>
        queryPrepared(trx, 'test-insert-note', INSERT, ['announced too']),
      );
    } finally {
      database.db.removeListener('query', listen);
    }
    expect(seen.filter((sql) => sql === INSERT)).toHaveLength(2);
  });

  test('when run inside a transaction, then it is part of it: a rollback takes its write back', async () => {
    const rolledBack = new Error('roll back');
    await expect(
      database.db.transaction(async (trx) => {
        const [row] = await queryPrepared<{ id: number; body: string }>(trx, 'test-insert-note', INSERT, [
          'in a transaction',
        ]);
        expect(row?.body).toBe('in a transaction');
        const { rows } = await trx.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid');
        const [same] = await queryPrepared<{ pid: number }>(
          trx,
          'test-backend-pid',
          'select pg_backend_pid() as pid',
          [],
        );
        expect(same?.pid).toBe(rows[0]!.pid);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await database.db('notes').where({ body: 'in a transaction' })).toEqual([]);
  });

  test('when run on the pool many times under one name, then each call binds its own values and the connections go back', async () => {
    const bodies = Array.from({ length: 30 }, (_, n) => `note ${n}`);
    const rows = await Promise.all(
      bodies.map((body) =>
        queryPrepared<{ id: number; body: string }>(database.db, 'test-insert-note', INSERT, [body]),
      ),
    );
    expect(rows.map(([row]) => row?.body)).toEqual(bodies);
    const pool = (database.db.client as { pool: { numUsed(): number } }).pool;
    expect(pool.numUsed()).toBe(0);
    const stored = await database
      .db('notes')
      .whereIn('body', bodies)
      .count<{ count: string }[]>({ count: '*' });
    expect(Number(stored[0]!.count)).toBe(30);
  });

  test('when the statement fails, then the error comes back and the connection is still given back', async () => {
    await expect(
      queryPrepared(database.db, 'test-insert-null-note', 'insert into notes (body) values ($1)', [null]),
    ).rejects.toThrow(/null value/);
    const pool = (database.db.client as { pool: { numUsed(): number } }).pool;
    expect(pool.numUsed()).toBe(0);
  });
});
