import type { Knex } from 'knex';
import { Counter, Gauge, Registry } from 'prom-client';
import type { ShardSpec } from '../keys/shard-map';
import { PolledServer, ReplicaPoller, ReplicaState } from './replica-poller';
import { ReadDecision, ReadReason, chooseReadTarget } from './replica-routing';

export interface ReplicaSetOptions {
  /** A replica further behind than this serves no read. */
  maxLagMs: number;
  pollIntervalMs: number;
  /** Opens a knex pool on a URL (the same settings as the primaries' pools). */
  connect: (url: string) => Knex;
  metrics?: Registry;
}

/** `host:port` of a Postgres URL: the servers are what is polled and labelled, not databases. */
export function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}`;
}

function metric<T>(
  registry: Registry | undefined,
  name: string,
  make: (registers: Registry[]) => T,
): T | undefined {
  if (!registry) return undefined;
  return (registry.getSingleMetric(name) as T | undefined) ?? make([registry]);
}

/** A read's destination: a replica's pool, or the primary (db undefined). */
export interface ReadChoice {
  decision: ReadDecision;
  db?: Knex;
  /** The replica server, when the read goes to one. */
  server?: string;
}

/**
 * The replicas of one service's shards in this process: a lazily opened pool per replica
 * database, one background poller for every server involved, the routing decision and its
 * metrics (`db_reads_total`, `replica_lag_seconds`, `replica_lag_bytes`, `replica_up`).
 */
export class ReplicaSet {
  readonly poller: ReplicaPoller;
  private readonly pools = new Map<string, Knex>();
  private readonly turn = new Map<string, number>();
  private readonly reads: Counter<'shard' | 'target' | 'reason'> | undefined;

  constructor(
    private readonly shards: readonly ShardSpec[],
    private readonly options: ReplicaSetOptions,
  ) {
    const servers = new Map<string, PolledServer>();
    for (const shard of shards) {
      const primary = serverOf(shard.primary);
      if (!servers.has(primary)) servers.set(primary, { name: primary, url: shard.primary, role: 'primary' });
      for (const url of shard.replicas) {
        const name = serverOf(url);
        if (!servers.has(name)) servers.set(name, { name, url, role: 'replica', primary });
      }
    }
    this.poller = new ReplicaPoller([...servers.values()], { intervalMs: options.pollIntervalMs });
    this.reads = metric(
      options.metrics,
      'db_reads_total',
      (registers) =>
        new Counter({
          name: 'db_reads_total',
          help: 'Stale-tolerant reads by shard, target (primary, replica) and reason',
          labelNames: ['shard', 'target', 'reason'] as const,
          registers,
        }),
    );
    this.registerGauges();
  }

  private registerGauges(): void {
    const states = () => this.poller.allStates();
    const gauge = (name: string, help: string, value: (s: ReplicaState) => number) =>
      metric(
        this.options.metrics,
        name,
        (registers) =>
          new Gauge({
            name,
            help,
            labelNames: ['replica'] as const,
            registers,
            collect() {
              for (const s of states()) this.set({ replica: s.name }, value(s));
            },
          }),
      );
    gauge(
      'replica_lag_seconds',
      'How far each replica is behind its primary, in seconds (+Inf: unknown)',
      (s) => s.lagSeconds,
    );
    gauge(
      'replica_lag_bytes',
      'WAL bytes each replica has not replayed yet (+Inf: unknown)',
      (s) => s.lagBytes,
    );
    gauge('replica_up', '1 while the replica answers its polls', (s) => (s.up ? 1 : 0));
  }

  start(): void {
    this.poller.start();
  }

  /** Where a read of `shard` goes for a reader who must see `required` (undefined: any fresh replica). */
  choose(shard: ShardSpec, required: bigint | undefined): ReadChoice {
    const now = Date.now();
    const views = shard.replicas.map((url) => this.poller.state(serverOf(url), now)!);
    const start = this.turn.get(shard.name) ?? 0;
    this.turn.set(shard.name, (start + 1) % Math.max(1, shard.replicas.length));
    const decision = chooseReadTarget(views, required, this.options.maxLagMs / 1000, start);
    if (decision.target === 'primary') return { decision };
    const url = shard.replicas[decision.replica]!;
    return { decision, db: this.pool(url), server: serverOf(url) };
  }

  count(
    shard: ShardSpec,
    target: 'primary' | 'replica',
    reason: ReadReason | 'replica_failed' | 'cache_fill' | 'primary_down',
  ): void {
    this.reads?.inc({ shard: shard.name, target, reason });
  }

  private pool(url: string): Knex {
    let db = this.pools.get(url);
    if (!db) {
      db = this.options.connect(url);
      this.pools.set(url, db);
    }
    return db;
  }

  /** Per replica server: 'ok', or 'degraded: why' (a replica down never makes a process unready). */
  status(): Array<{ name: string; status: string }> {
    const maxLagSeconds = this.options.maxLagMs / 1000;
    return this.poller.allStates().map((s) => {
      if (!s.up) return { name: s.name, status: `degraded: down (${s.error ?? 'no answer yet'})` };
      if (!(s.lagSeconds <= maxLagSeconds)) {
        return {
          name: s.name,
          status: `degraded: ${s.lagSeconds.toFixed(1)} s behind (bound ${maxLagSeconds} s)`,
        };
      }
      return { name: s.name, status: 'ok' };
    });
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((db) => db.destroy()));
  }
}
