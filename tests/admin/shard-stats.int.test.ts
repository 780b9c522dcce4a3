import express from 'express';
import request from 'supertest';
import { OUTBOX_TABLE } from '@boxoffice/bus';
import { type InstanceStats } from '@boxoffice/contracts';
import { statsRoutes } from '@boxoffice/runtime';
import { InProcessService, TestEnv, buildServiceInProcess, createTestEnv } from '../support';

/**
 * The figures a service reports for the topology page, on real shards: the statements the
 * services send (not the platform's probes), and the outbox's unsent rows counted, not estimated.
 */
describe("a service's shard figures (/internal/stats?include=shards)", () => {
  let env: TestEnv;
  let tickets: InProcessService;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['tickets'] });
    tickets = buildServiceInProcess('tickets', env, (ctx) => express().use(statsRoutes(ctx)));
  });

  const stats = async (include = ''): Promise<InstanceStats> =>
    (await request(tickets.app).get(`/internal/stats${include}`).expect(200)).body as InstanceStats;

  afterAll(async () => {
    await tickets?.close();
    await env?.cleanup();
  });

  test('when only /readyz and the page ask, then no shard counts a statement; the service’s own are counted', async () => {
    const { dbs } = tickets.ctx;
    const before = (await stats()).shardQueries;
    for (let i = 0; i < 3; i++) {
      await dbs.ping();
      // What /readyz runs: every check of the map in use (the shards' identity among them).
      await Promise.all(Object.values(tickets.ctx.readiness()).map((check) => check()));
      await stats('?include=shards');
    }
    expect((await stats()).shardQueries).toEqual(before);
    const [first] = dbs.router.shards;
    await dbs.runOn(first!, (db) => db.raw('select 1'));
    expect((await stats()).shardQueries[first!.name]).toBe(before[first!.name]! + 1);
  });

  test('when rows wait in an outbox, then the figure is their exact count, capped at 10 000, and the estimates leave the outbox out', async () => {
    const { dbs } = tickets.ctx;
    const [first] = dbs.router.shards;
    const fill = (n: number) =>
      dbs.runOn(first!, (db) =>
        db.raw(
          `insert into ${OUTBOX_TABLE} (message_id, topic, key, type, payload)
           select gen_random_uuid(), 'orders', 'k', 'order.requested', '{}'::jsonb from generate_series(1, ?)`,
          [n],
        ),
      );
    await fill(3);
    const shards = async () => (await stats('?include=shards')).shards!;
    expect((await shards()).map((s) => s.outboxUnsent)).toEqual([3, 0, 0, 0]);
    expect((await shards()).every((s) => !(OUTBOX_TABLE in s.rows))).toBe(true);

    await fill(10_000);
    expect((await shards())[0]!.outboxUnsent).toBe(10_000);
    await dbs.runOn(first!, (db) => db(OUTBOX_TABLE).delete());
    expect((await shards())[0]!.outboxUnsent).toBe(0);
  });
});
