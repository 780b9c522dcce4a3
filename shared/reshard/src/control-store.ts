import knex, { Knex } from 'knex';
import {
  ShardSpec,
  databaseOf,
  ensureDatabase,
  listDatabases,
  formatBucketRange,
  parseBucketRange,
  rangeName,
  withDatabase,
} from '@boxoffice/sharding';

/** The NOTIFY channel a published shard map is announced on (payload `<service>:<version>`). */
export const SHARD_MAP_CHANNEL = 'boxoffice_shard_map';

/**
 * The control database of a stack: `<DB_PREFIX>boxoffice_control` on the server of `serverUrl`
 * (any database URL on it). It holds the published shard maps and the resharding jobs.
 */
export function controlDatabaseUrl(serverUrl: string, dbPrefix: string): string {
  return withDatabase(serverUrl, `${dbPrefix}boxoffice_control`);
}

/** One shard as the control database stores it. */
export interface StoredShard {
  range: string;
  primary: string;
  replicas: string[];
}

export interface PublishedMap {
  service: string;
  version: number;
  shards: ShardSpec[];
}

export function toStoredShards(shards: readonly ShardSpec[]): StoredShard[] {
  return shards.map((s) => ({
    range: formatBucketRange(s.range),
    primary: s.primary,
    replicas: [...s.replicas],
  }));
}

export function fromStoredShards(shards: readonly StoredShard[]): ShardSpec[] {
  return shards.map((s) => {
    const range = parseBucketRange(s.range);
    return { name: rangeName(range), range, primary: s.primary, replicas: [...s.replicas] };
  });
}

/** The latest published map of a service ($1), as a watcher asks on its own connection. */
export const LATEST_SQL =
  'select version, shards from shard_maps where service = $1 order by version desc limit 1';
export interface LatestRow {
  version: number;
  shards: StoredShard[];
}

/**
 * The advisory lock a reshard command holds on the control database for its whole run (one
 * command per service at a time); while it is held, the service's job is being worked on.
 */
export function jobLockName(service: string): string {
  return `boxoffice_reshard:${service}`;
}

/**
 * A service's ($1) resharding job and whether a command holds its lock ($2, jobLockName) now: a
 * job without a running command was stopped (killed, or failed) and waits for resume, abort or
 * complete.
 * `pg_try_advisory_lock(hashtext(name))` takes one bigint key, which pg_locks shows split in two
 * 32-bit halves: classid the high half, objid the low one.
 */
export const JOB_SQL = `select state, exists (
    select 1 from pg_locks l
    where l.locktype = 'advisory' and l.granted and l.objsubid = 1
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid::bigint = (hashtext($2)::bigint >> 32) & 4294967295
      and l.objid::bigint = hashtext($2)::bigint & 4294967295
  ) as running
  from reshard_jobs where service = $1`;
export interface JobRow<S> {
  state: S;
  running: boolean;
}

export function publishedFrom(service: string, row: LatestRow | undefined): PublishedMap | undefined {
  return row ? { service, version: row.version, shards: fromStoredShards(row.shards) } : undefined;
}

const SCHEMA = [
  `create table if not exists shard_maps (
     service text not null,
     version integer not null check (version >= 1),
     shards jsonb not null,
     published_at timestamptz not null default now(),
     primary key (service, version))`,
  `create table if not exists reshard_jobs (
     service text primary key,
     state jsonb not null,
     updated_at timestamptz not null default now())`,
];

/**
 * The durable, versioned shard maps and the resharding jobs' state, in the control database.
 * Publishing a map is one insert of the next version (a concurrent publisher of the same version
 * fails on the primary key) with a NOTIFY sent at its commit.
 */
export class ControlStore {
  readonly db: Knex;

  constructor(readonly url: string) {
    this.db = knex({
      client: 'pg',
      connection: { connectionString: url, connectionTimeoutMillis: 3000 },
      pool: { min: 0, max: 2 },
    });
  }

  /** Creates the control database and its tables when missing. Idempotent. */
  static async ensure(url: string): Promise<void> {
    await ensureDatabase(url);
    const store = new ControlStore(url);
    try {
      for (const sql of SCHEMA) await store.db.raw(sql);
    } finally {
      await store.close();
    }
  }

  /**
   * Runs one of this module's SQL texts written for a pg client (`$1`, `$2`…, as a watcher runs
   * them on its LISTEN connection) through the pool: knex binds `?` in order of appearance.
   */
  async query<R>(sql: string, values: readonly unknown[]): Promise<R[]> {
    const bindings: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_match, n: string) => {
      bindings.push(values[Number(n) - 1]);
      return '?';
    });
    const result = await this.db.raw<{ rows: R[] }>(text, bindings as Knex.RawBinding[]);
    return result.rows;
  }

  async latest(service: string): Promise<PublishedMap | undefined> {
    const row = await this.db('shard_maps')
      .where({ service })
      .orderBy('version', 'desc')
      .first<LatestRow | undefined>('version', 'shards');
    return publishedFrom(service, row);
  }

  /** Publishes `shards` as `version` of the service's map and notifies every process. */
  async publish(service: string, version: number, shards: readonly ShardSpec[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('shard_maps').insert({ service, version, shards: JSON.stringify(toStoredShards(shards)) });
      await trx.raw('select pg_notify(?, ?)', [SHARD_MAP_CHANNEL, `${service}:${version}`]);
    });
  }

  async job<S>(service: string): Promise<S | undefined> {
    const row = await this.db('reshard_jobs').where({ service }).first<{ state: S } | undefined>('state');
    return row?.state;
  }

  async saveJob(service: string, state: object): Promise<void> {
    await this.db('reshard_jobs')
      .insert({ service, state: JSON.stringify(state), updated_at: this.db.fn.now() })
      .onConflict('service')
      .merge();
  }

  async deleteJob(service: string): Promise<void> {
    await this.db('reshard_jobs').where({ service }).delete();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** 3D000: no control database; 42P01: its tables not created yet. Both mean "nothing published, no job". */
export function isNoControlDatabase(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '3D000' || code === '42P01';
}

/** A topology's part that the published maps replace: each service's shards, and where the maps are. */
export interface MapsOf {
  shardMapUrl: string;
  services: Record<string, { shards: ShardSpec[] }>;
}

/**
 * The topology with each service's shards replaced by its latest published map, for tools that
 * read every shard (the invariant check) after a resharding. Unchanged when none was published
 * or the control database does not exist.
 */
export async function withPublishedMaps<T extends MapsOf>(topology: T): Promise<T> {
  // Asked first, so that a stack that never resharded does not make the pool log a failed connect.
  const name = databaseOf(topology.shardMapUrl);
  if (!(await listDatabases(topology.shardMapUrl, name)).includes(name)) return topology;
  const store = new ControlStore(topology.shardMapUrl);
  try {
    const services = { ...topology.services };
    for (const [service, spec] of Object.entries(services)) {
      const latest = await store.latest(service);
      if (latest) services[service] = { ...spec, shards: latest.shards };
    }
    return { ...topology, services };
  } catch (err) {
    if (isNoControlDatabase(err)) return topology;
    throw err;
  } finally {
    await store.close();
  }
}
