import { loadConfig } from '@boxoffice/platform';
import { loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import {
  HEADROOM,
  MIN_POOL,
  SPARE_SHARDS,
  planPoolSize,
  poolsPerServer,
  readServerLimit,
} from '../stack/connection-budget';

const PG = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe("npm start's connection budget", () => {
  const server = 'postgres://postgres@127.0.0.1:5432/postgres';
  const limit = { maxConnections: 100, reserved: 3, inUse: 7 };

  it('counts one pool per process per shard database on each server', () => {
    const env = loadConfig(platformEnvSchema, {
      PG_URL: 'postgres://postgres@127.0.0.1:5432',
      DB_PREFIX: 'x',
    });
    const topology = loadTopology(env);
    const demands = poolsPerServer(topology, 2);
    expect(demands).toHaveLength(1);
    // 3 services × 4 shards × 2 instances, all on one server.
    expect(demands[0]).toEqual({ server: expect.stringContaining('127.0.0.1:5432/postgres'), pools: 24 });
  });

  it('keeps room for the shard a split adds to each service, and counts the connections to the control database', () => {
    const env = loadConfig(platformEnvSchema, {
      PG_URL: 'postgres://postgres@127.0.0.1:5432',
      DB_PREFIX: 'x',
    });
    // 3 services × (4 shards + the one a split adds) × 1 instance.
    expect(poolsPerServer(loadTopology(env), 1, SPARE_SHARDS)).toEqual([
      { server: expect.stringContaining('127.0.0.1:5432/postgres'), pools: 15 },
    ]);
    // Every service split to five shards, one instance each, on a server with 100 connections:
    // 15 pools × 5 + 3 control = 78, within 100 − 3 − 7 − 10 = 80.
    const plan = planPoolSize([{ demand: { server, pools: 15, fixed: 3 }, limit }], 5, false);
    expect(plan).toEqual({ poolMax: 5, fits: true, notes: [] });
    // Two instances each: 30 pools × 2 + 6 control = 66 fits; × 3 = 96 would not.
    const two = planPoolSize([{ demand: { server, pools: 30, fixed: 6 }, limit }], 5, false);
    expect(two).toMatchObject({ poolMax: 2, fits: true });
    expect(two.notes[0]).toMatch(/30 pools × 2 \+ 6 control = 66 connections at worst/);
  });

  it('shrinks the default pool so that two instances of everything fit one local Postgres', () => {
    const plan = planPoolSize([{ demand: { server, pools: 24 }, limit }], 5, false);
    // 100 − 3 − 7 − 10 = 80 free; 24 pools × 3 = 72 fits, × 4 = 96 would not.
    expect(100 - 3 - 7 - HEADROOM).toBe(80);
    expect(plan).toMatchObject({ poolMax: 3, fits: true });
    expect(plan.notes[0]).toMatch(/24 pools × 3 = 72/);
  });

  it('keeps the default when it fits, and says nothing', () => {
    expect(planPoolSize([{ demand: { server, pools: 12 }, limit }], 5, false)).toEqual({
      poolMax: 5,
      fits: true,
      notes: [],
    });
  });

  it('keeps a DB_POOL_MAX that was set, and reports that it does not fit', () => {
    const plan = planPoolSize([{ demand: { server, pools: 24 }, limit }], 10, true);
    expect(plan.poolMax).toBe(10);
    expect(plan.fits).toBe(false);
    expect(plan.notes[0]).toMatch(/240 connections at worst/);
  });

  it('never goes below the pool a service needs, and then says it does not fit', () => {
    const plan = planPoolSize([{ demand: { server, pools: 64 }, limit }], 5, false);
    expect(plan).toMatchObject({ poolMax: MIN_POOL, fits: false });
  });

  it('reads max_connections and the connections in use from a real server', async () => {
    const read = await readServerLimit(PG);
    expect(read.maxConnections).toBeGreaterThan(read.reserved);
    expect(read.inUse).toBeGreaterThanOrEqual(0);
    expect(read.inUse).toBeLessThan(read.maxConnections);
  });
});
