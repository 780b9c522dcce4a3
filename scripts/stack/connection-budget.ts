import { Client } from 'pg';
import { loadConfig } from '@boxoffice/platform';
import { withPublishedMaps } from '@boxoffice/reshard';
import { withDatabase } from '@boxoffice/sharding';
import { SERVICE_NAMES, Topology, buildTopology, platformEnvSchema } from '@boxoffice/runtime';
import { inheritedEnv } from './processes';

/**
 * `npm start` runs every shard of every service on one local Postgres, whose max_connections is
 * 100 by default. Each service process keeps a pool of up to DB_POOL_MAX connections per shard
 * (and per replica), so `INSTANCES=2` at the default 5 can ask for 3 × 2 × 4 × 5 = 120: under load
 * the server then refuses everybody else ("sorry, too many clients already"), the load test's
 * invariant check and psql included. This module sizes the pools to fit before anything starts,
 * with room for the shard a split adds to each service (SPARE_SHARDS).
 */

/**
 * Connections left free on every server for psql, migrations, the load test's invariant check
 * (one connection at a time) and a reshard command (about 5 at once: its lock, the control
 * store, the source's and the target's pools).
 */
export const HEADROOM = 10;
/** The pool size below which a service cannot work (one connection is the outbox relay's LISTEN). */
export const MIN_POOL = 2;

/** One Postgres server and how many pools the stack will open on it (a pool per process per shard database). */
export interface ServerDemand {
  /** The server's URL with the database `postgres`, as preflight checks it. */
  server: string;
  pools: number;
  /** Connections that are not in a pool: each service process's one to the control database. */
  fixed?: number;
}

/** What a Postgres server allows, read with one query. */
export interface ServerLimit {
  maxConnections: number;
  reserved: number;
  /** Client connections open right now, by anybody. */
  inUse: number;
}

/**
 * The shards a resharding may add per service while the stack runs, that the pool sizing keeps
 * room for: a split adds one shard, on the server of the shard it splits, and every process of
 * the service opens a pool on it (3 services × 4 → 5 shards: 15 pools per instance, not 12).
 */
export const SPARE_SHARDS = 1;

/**
 * Pools per server: every shard database (primary and replicas) of every service, times the
 * instances of each; plus `spareShards` per service on each server holding one of its shards
 * (where a split would create the new one).
 */
export function poolsPerServer(topology: Topology, instances: number, spareShards = 0): ServerDemand[] {
  const pools = new Map<string, number>();
  const add = (server: string, n: number) => pools.set(server, (pools.get(server) ?? 0) + n);
  for (const service of SERVICE_NAMES) {
    const servers = new Set<string>();
    for (const shard of topology.services[service].shards) {
      servers.add(withDatabase(shard.primary, 'postgres'));
      for (const url of [shard.primary, ...shard.replicas]) add(withDatabase(url, 'postgres'), instances);
    }
    for (const server of servers) add(server, spareShards * instances);
  }
  return [...pools].map(([server, n]) => ({ server, pools: n }));
}

export interface PoolPlan {
  /** The DB_POOL_MAX to give every service process. */
  poolMax: number;
  /** Whether the stack's worst case fits every server at that size. */
  fits: boolean;
  /** One line per server that decided the size or does not fit, for the console. */
  notes: string[];
}

/**
 * The largest pool size up to `wanted` whose worst case (pools × size) fits every server's free
 * connections less HEADROOM. An explicitly configured size is kept as it is and only checked.
 */
export function planPoolSize(
  demands: { demand: ServerDemand; limit: ServerLimit }[],
  wanted: number,
  explicit: boolean,
): PoolPlan {
  let poolMax = wanted;
  const budgetOf = ({ limit }: { limit: ServerLimit }) =>
    limit.maxConnections - limit.reserved - limit.inUse - HEADROOM;
  const fixedOf = (d: { demand: ServerDemand }) => d.demand.fixed ?? 0;
  if (!explicit) {
    for (const d of demands)
      poolMax = Math.min(poolMax, Math.floor((budgetOf(d) - fixedOf(d)) / d.demand.pools));
    poolMax = Math.max(MIN_POOL, poolMax);
  }
  const notes: string[] = [];
  let fits = true;
  for (const d of demands) {
    const worst = d.demand.pools * poolMax + fixedOf(d);
    const budget = budgetOf(d);
    if (worst > budget) fits = false;
    if (worst > budget || poolMax < wanted) {
      const fixed = fixedOf(d) ? ` + ${fixedOf(d)} control` : '';
      notes.push(
        `${d.demand.server}: ${d.demand.pools} pools × ${poolMax}${fixed} = ${worst} connections at worst; ` +
          `max_connections ${d.limit.maxConnections} − ${d.limit.reserved} reserved − ${d.limit.inUse} in use − ${HEADROOM} spare = ${budget}`,
      );
    }
  }
  return { poolMax, fits, notes };
}

/** max_connections, the superuser reserve and the client connections open now, of one server. */
export async function readServerLimit(serverUrl: string): Promise<ServerLimit> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ max: string; reserved: string; in_use: string }>(
      `select current_setting('max_connections') as max,
              current_setting('superuser_reserved_connections') as reserved,
              (select count(*) from pg_stat_activity where backend_type = 'client backend') - 1 as in_use`,
    );
    const row = rows[0]!;
    return { maxConnections: Number(row.max), reserved: Number(row.reserved), inUse: Number(row.in_use) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The pool size for `stacks` stacks of `topology`, `instances` of each service, started side by
 * side on the same servers (npm start: one; a comparison: one per side), from what each server
 * allows now. The shards counted are each service's published map (a stack started again after
 * a resharding has more than its topology names) and SPARE_SHARDS more per service, so that a
 * split while it runs still fits. `wanted` is the configured DB_POOL_MAX; `explicit` keeps it as set.
 */
export async function poolPlanFor(
  topology: Topology,
  options: { instances: number; stacks?: number; wanted: number; explicit: boolean },
): Promise<PoolPlan> {
  const stacks = options.stacks ?? 1;
  const current = await withPublishedMaps(topology);
  const control = withDatabase(topology.shardMapUrl, 'postgres');
  const processes = SERVICE_NAMES.length * options.instances * stacks;
  const demands = await Promise.all(
    poolsPerServer(current, options.instances, SPARE_SHARDS).map(async (demand) => ({
      demand: {
        ...demand,
        pools: demand.pools * stacks,
        fixed: demand.server === control ? processes : 0,
      },
      limit: await readServerLimit(demand.server),
    })),
  );
  return planPoolSize(demands, options.wanted, options.explicit);
}

/**
 * The DB_POOL_MAX for `stacks` private stacks started side by side (a comparison's sides), each
 * with `instances` of every service, so that all their pools fit the Postgres server: the same
 * for every side, so none is favoured. A DB_POOL_MAX in the environment is kept. With a line
 * saying why, when it is below the default.
 */
export async function sharedPoolMax(
  stacks: number,
  instances = 1,
  /** The stacks' topology (e.g. 8 events shards); by default the single-server one. */
  topology?: Topology,
): Promise<{ poolMax: number; note?: string }> {
  const env: Record<string, string> = { ...inheritedEnv(), DB_PREFIX: 'load_sizing_' };
  delete env.TOPOLOGY_FILE;
  const config = loadConfig(platformEnvSchema, env);
  const plan = await poolPlanFor(topology ?? buildTopology(config), {
    instances,
    stacks,
    wanted: config.DB_POOL_MAX,
    explicit: process.env.DB_POOL_MAX !== undefined,
  });
  if (plan.poolMax >= config.DB_POOL_MAX && plan.fits) return { poolMax: plan.poolMax };
  const why = `${stacks} stack(s) side by side; ${plan.notes.join('; ')}`;
  return {
    poolMax: plan.poolMax,
    note: `DB_POOL_MAX=${plan.poolMax}${plan.fits ? '' : ' (does not fit)'}: ${why}`,
  };
}
