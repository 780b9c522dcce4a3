import { loadConfig } from '@boxoffice/platform';
import { loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import {
  HEADROOM,
  MIN_POOL,
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
