import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { ShardDatabases, ShardRouter } from '@boxoffice/sharding';
import {
  ControlStore,
  JOB_SQL,
  JobRow,
  LATEST_SQL,
  LatestRow,
  SHARD_MAP_CHANNEL,
  isNoControlDatabase,
  jobLockName,
  publishedFrom,
} from './control-store';
import type { ReshardJob } from './resharder';

export interface ShardMapWatcherOptions {
  /** The control database (controlDatabaseUrl). */
  url: string;
  dbs: ShardDatabases;
  /** How often the map is read when no NOTIFY arrives. Default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a write refused by a fence may wait for the map that moved its key. Default 5000 ms. */
  fenceWaitMs?: number;
  /** How many refused writes may wait at once; more are answered 503 at once. Default 1000. */
  maxHeld?: number;
}

/** Checks while a fenced write waits for the new map, between reads of the control database. */
const FENCE_CHECK_MS = 25;

/**
 * Keeps a process's shard map current: reads the latest published version at start, then on
 * every NOTIFY from the control database and every `pollIntervalMs` in case one was missed, and
 * swaps it into the ShardDatabases. A write refused by a fence (`dbs.onFenced`) waits here until
 * the map that moved its key is read, bounded by `fenceWaitMs`. Emits `'changed'` (router) and
 * `'error'` (when listened to). A missing control database just means version 0: the topology.
 */
export class ShardMapWatcher extends EventEmitter {
  private readonly store: ControlStore;
  private listener: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Writes refused by a fence that are waiting for the new map now. */
  private held = 0;
  private readonly pollIntervalMs: number;
  private readonly fenceWaitMs: number;

  constructor(private readonly options: ShardMapWatcherOptions) {
    super();
    this.store = new ControlStore(options.url);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.fenceWaitMs = options.fenceWaitMs ?? 5000;
    const maxHeld = options.maxHeld ?? 1000;
    options.dbs.onFenced = async (version) => {
      // Held writes are bounded in number as well as in time: each holds a request and its memory.
      if (this.held >= maxHeld) return;
      this.held += 1;
      try {
        await this.waitForVersion(version, this.fenceWaitMs);
      } finally {
        this.held -= 1;
      }
    };
  }

  get version(): number {
    return this.options.dbs.router.version;
  }

  async start(): Promise<void> {
    await this.listen();
    await this.refresh();
    this.schedule();
  }

  /** Reads the latest map and switches to it when it is newer. Never throws. */
  async refresh(): Promise<void> {
    try {
      const { dbs } = this.options;
      const latest = publishedFrom(dbs.service, (await this.ask<LatestRow>(LATEST_SQL, [dbs.service]))[0]);
      if (!latest || latest.version <= dbs.router.version) return;
      const router = new ShardRouter(dbs.service, latest.shards, latest.version);
      if (dbs.setRouter(router)) this.emit('changed', router);
    } catch (err) {
      if (!isNoControlDatabase(err) && this.listenerCount('error') > 0) this.emit('error', err);
    }
  }

  /** A query on the control database: on the LISTEN connection when there is one (one connection per process, not two). */
  private async ask<R extends object>(sql: string, values: unknown[]): Promise<R[]> {
    if (this.listener) return (await this.listener.query<R>(sql, values)).rows;
    return this.store.query<R>(sql, values);
  }

  /**
   * The resharding of this process's service as the control database records it, and whether a
   * reshard command is working on it now (it holds the job's lock); undefined when there is none
   * or no control database. For the topology page, through the process's stats.
   */
  async job(): Promise<JobRow<ReshardJob> | undefined> {
    const service = this.options.dbs.service;
    try {
      return (await this.ask<JobRow<ReshardJob>>(JOB_SQL, [service, jobLockName(service)]))[0];
    } catch (err) {
      if (isNoControlDatabase(err)) return undefined;
      throw err;
    }
  }

  /**
   * Resolves once the map is at least `version`, or newer than when called (a process far behind
   * may skip the version a fence names: any newer map is worth a retry), reading it as often as
   * needed; or after `timeoutMs`.
   */
  async waitForVersion(version: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const from = this.version;
    while (this.version < version && this.version === from && Date.now() < deadline && !this.stopped) {
      await this.refresh();
      if (this.version >= version || this.version !== from) return;
      await new Promise((resolve) => setTimeout(resolve, FENCE_CHECK_MS));
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.refresh();
      if (!this.listener) await this.listen();
      this.schedule();
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  /** One connection LISTENing for published maps; without it the poll still finds them. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.options.url, connectionTimeoutMillis: 3000 });
    client.on('error', () => {
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
    });
    client.on('notification', () => void this.refresh());
    try {
      await client.connect();
      await client.query(`listen ${SHARD_MAP_CHANNEL}`);
      this.listener = client;
    } catch {
      await client.end().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.store.close();
  }
}
