import { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { parseLsn } from './replica-positions';
import { PrimarySample, ReplicaView, replicaLag } from './replica-routing';

/** One Postgres server the poller watches; `url` names any database on it. */
export interface PolledServer {
  /** `host:port`, the label of the server in metrics and /readyz. */
  name: string;
  url: string;
  role: 'primary' | 'replica';
  /** For a replica: the name of the primary it streams from. */
  primary?: string;
}

export interface ReplicaPollerOptions {
  /** Default 200 ms: five polls a second keep a pinned reader's wait short at ~10 queries/s per process. */
  intervalMs?: number;
  /** How long one poll may take before the server counts as down. Default 1000 ms. */
  timeoutMs?: number;
  /** Primary samples kept for the lag computation. Default 30 s. */
  historyMs?: number;
  /**
   * How long a new connection may take (ms). Default 5000: longer than a poll, because giving
   * up on a connection the server is still starting wastes its work, and on a loaded machine
   * polls that abandon connections every second keep it loaded (seen in the compose topology).
   * A server that hangs is still reported down at once: its state goes stale (state()).
   */
  connectTimeoutMs?: number;
  /** Longest pause between polls of a server that keeps failing (doubling from intervalMs). Default 5000. */
  maxBackoffMs?: number;
}

/** What the poller knows of one replica, for routing, metrics and /readyz. */
export interface ReplicaState extends ReplicaView {
  name: string;
  lagBytes: number;
  /** Why the last poll failed, while it fails. */
  error?: string;
  /** When the last poll answered (ms), or undefined if none has. */
  lastOkAtMs?: number;
}

const REPLAY_SQL = 'select pg_last_wal_replay_lsn()::text as lsn';
const PRIMARY_SQL = 'select pg_current_wal_lsn()::text as lsn';

/**
 * Polls every primary for pg_current_wal_lsn() and every replica for pg_last_wal_replay_lsn(),
 * a few times a second, in the background: a read's routing decision reads the last answers and
 * never waits for a query. One small pool (1 connection) per server. Emits `poll-failed` (err,
 * server) for a failed poll (not `error`, which would crash a process that does not listen); a failing replica is reported down until it answers again, and a failing server is asked less and less often (doubling up to maxBackoffMs).
 */
export class ReplicaPoller extends EventEmitter {
  private readonly pools = new Map<string, Pool>();
  private readonly samples = new Map<string, PrimarySample[]>();
  private readonly states = new Map<string, ReplicaState>();
  private readonly inFlight = new Set<string>();
  /** Servers whose polls fail: how many in a row, and when to ask again. */
  private readonly failing = new Map<string, { count: number; retryAtMs: number }>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly historyMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly servers: readonly PolledServer[],
    options: ReplicaPollerOptions = {},
  ) {
    super();
    this.intervalMs = options.intervalMs ?? 200;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.historyMs = options.historyMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.max(this.timeoutMs, 5000);
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    for (const server of servers) {
      if (server.role === 'replica') {
        this.states.set(server.name, {
          name: server.name,
          up: false,
          replayLsn: undefined,
          lagSeconds: Infinity,
          lagBytes: Infinity,
        });
      }
    }
  }

  /** Starts polling (the first poll at once). Calling it twice does nothing more. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pollOnce(), this.intervalMs);
    this.timer.unref();
    void this.pollOnce();
  }

  /**
   * The last known state of a replica server. A replica whose last answer is older than three
   * intervals plus the poll timeout counts as down, so a server that hangs is skipped too.
   */
  state(name: string, nowMs = Date.now()): ReplicaState | undefined {
    const state = this.states.get(name);
    if (!state?.up) return state;
    const staleAfterMs = this.intervalMs * 3 + this.timeoutMs;
    if (state.lastOkAtMs !== undefined && nowMs - state.lastOkAtMs > staleAfterMs) {
      return { ...state, up: false, error: `no answer for ${nowMs - state.lastOkAtMs} ms` };
    }
    return state;
  }

  allStates(nowMs = Date.now()): ReplicaState[] {
    return [...this.states.keys()].map((name) => this.state(name, nowMs)!);
  }

  /** Forgets that a replica was up, until its next poll answers (a read on it just failed). */
  markDown(name: string, error: string): void {
    const state = this.states.get(name);
    if (state) Object.assign(state, { up: false, error });
  }

  /** One round: primaries first, so a replica is judged against a primary position taken before it. */
  async pollOnce(): Promise<void> {
    const primaries = this.servers.filter((s) => s.role === 'primary');
    const replicas = this.servers.filter((s) => s.role === 'replica');
    await Promise.all(primaries.map((s) => this.pollServer(s)));
    await Promise.all(replicas.map((s) => this.pollServer(s)));
  }

  private pool(server: PolledServer): Pool {
    let pool = this.pools.get(server.name);
    if (!pool) {
      pool = new Pool({
        connectionString: server.url,
        max: 1,
        connectionTimeoutMillis: this.connectTimeoutMs,
        query_timeout: this.timeoutMs,
        application_name: 'boxoffice-replica-poller',
      });
      // An idle connection that breaks (server restarted) is replaced on the next poll.
      pool.on('error', () => undefined);
      this.pools.set(server.name, pool);
    }
    return pool;
  }

  private async pollServer(server: PolledServer): Promise<void> {
    if (this.inFlight.has(server.name)) return; // a hung server is not asked twice at once
    const failing = this.failing.get(server.name);
    if (failing && Date.now() < failing.retryAtMs) return; // backing off
    this.inFlight.add(server.name);
    try {
      const sql = server.role === 'primary' ? PRIMARY_SQL : REPLAY_SQL;
      const { rows } = await this.pool(server).query<{ lsn: string | null }>(sql);
      const text = rows[0]?.lsn;
      const lsn = text ? parseLsn(text) : undefined;
      if (server.role === 'primary') this.recordPrimary(server.name, lsn);
      else this.recordReplica(server, lsn);
      this.failing.delete(server.name);
    } catch (err) {
      const count = (failing?.count ?? 0) + 1;
      const pause = Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(count, 16));
      this.failing.set(server.name, { count, retryAtMs: Date.now() + pause });
      const state = this.states.get(server.name);
      if (state) Object.assign(state, { up: false, error: (err as Error).message || String(err) });
      this.emit('poll-failed', err, server);
    } finally {
      this.inFlight.delete(server.name);
    }
  }

  private recordPrimary(name: string, lsn: bigint | undefined): void {
    if (lsn === undefined) return;
    const now = Date.now();
    const list = this.samples.get(name) ?? [];
    list.push({ atMs: now, lsn });
    while (list.length > 1 && list[0]!.atMs < now - this.historyMs) list.shift();
    this.samples.set(name, list);
  }

  private recordReplica(server: PolledServer, lsn: bigint | undefined): void {
    const state = this.states.get(server.name)!;
    const samples = this.samples.get(server.primary ?? '') ?? [];
    const lag = replicaLag(samples, lsn, Date.now());
    // A server that answers but is not replaying (promoted, or not a standby) is not a replica.
    const up = lsn !== undefined;
    Object.assign(state, {
      up,
      replayLsn: lsn,
      lagSeconds: lag.seconds,
      lagBytes: lag.bytes,
      error: up ? undefined : 'not in recovery (pg_last_wal_replay_lsn() is null)',
      lastOkAtMs: Date.now(),
    });
  }

  /** Stops polling and closes every pool. Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }
}
