import type { Knex } from 'knex';
import { Client } from 'pg';
import {
  BucketRange,
  Migration,
  ShardSpec,
  databaseOf,
  dropDatabase,
  ensureDatabase,
  formatBucketRange,
  migrateLatest,
  parseBucketRange,
  rangeName,
  stampShardIdentity,
  withDatabase,
} from '@boxoffice/sharding';
import {
  ReshardTable,
  dropCapture,
  fence,
  ident,
  installCapture,
  pendingChanges,
  rangeFilter,
  setCapture,
  setHome,
} from './capture';
import { ControlStore, StoredShard, fromStoredShards, jobLockName, toStoredShards } from './control-store';
import { applyChanges, copyTable, openDatabase } from './copy';
import { verifyRange, type VerifyReport } from './verify';

/** A resharding that cannot go on: printed as it is, exit code 1. */
export class ReshardError extends Error {}

/** The phases of a split, in order; a job records the next one to run. */
export const PHASES = ['prepare', 'copy', 'catch-up', 'verify', 'switch', 'switched'] as const;
export type Phase = (typeof PHASES)[number];

/** A resharding in progress, as the control database keeps it between commands. */
export interface ReshardJob {
  service: string;
  /** The source shard's range before the split, and the range that moves to the target. */
  range: string;
  moving: string;
  sourceUrl: string;
  targetUrl: string;
  fromVersion: number;
  toVersion: number;
  oldShards: StoredShard[];
  newShards: StoredShard[];
  phase: Phase;
  rowsCopied: number;
  pauseMs?: number;
  /** When the new map was published (ms since the epoch). */
  switchedAt?: number;
  verify?: VerifyReport;
  startedAt: string;
}

export interface ResharderOptions {
  store: ControlStore;
  /** The service's map when none was ever published (version 0): the topology's. */
  topologyShards(service: string): ShardSpec[];
  migrations(service: string): readonly Migration[];
  tables(service: string): readonly ReshardTable[];
  print(line: string): void;
  /** Rows per copy batch and change-log entries per catch-up round. Default 500. */
  batchSize?: number;
  /** The most the switch may hold writes to the range (fence to published map). Default 5000 ms. */
  switchBudgetMs?: number;
  /** How long the fence may wait for writers in flight. Default 1000 ms. */
  lockTimeoutMs?: number;
  /** How long processes take to learn a map (their poll interval and a margin). Default 1500 ms. */
  mapSettleMs?: number;
  /** Called after each phase is done and recorded (for tests: stop or tamper between phases). */
  afterPhase?(job: ReshardJob, done: Phase): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How often the copy records its rows copied so far in the job (ms). */
const PROGRESS_SAVE_MS = 1000;

/** Runs splits of one service's shard and takes them back or finishes them. */
export class Resharder {
  private readonly batchSize: number;
  private readonly switchBudgetMs: number;
  /** Change-log entries applied per ms, as last measured (a cautious guess until then). */
  private applyPerMs = 1;

  constructor(private readonly options: ResharderOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.switchBudgetMs = options.switchBudgetMs ?? 5000;
  }

  private print(line: string): void {
    this.options.print(line);
  }

  /** The service's map now: the latest published, else the topology's as version 0. */
  async currentMap(service: string): Promise<{ version: number; shards: ShardSpec[] }> {
    const latest = await this.options.store.latest(service);
    return latest ?? { version: 0, shards: this.options.topologyShards(service) };
  }

  /**
   * Runs one command while holding the service's session advisory lock on the control database:
   * a second command for the same service (a resume while a killed run's process is somehow
   * still alive) is refused instead of racing it. A killed command's lock goes with its connection.
   */
  private async exclusively<T>(service: string, work: () => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.options.store.url, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as ok',
        [jobLockName(service)],
      );
      if (!rows[0]?.ok)
        throw new ReshardError(
          `another reshard command is running for ${service}; wait for it or stop it first`,
        );
      return await work();
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Plans the split of the shard holding exactly `range` at bucket `at`, records it and runs it. */
  async split(service: string, range: BucketRange, at: number): Promise<ReshardJob> {
    return this.exclusively(service, () => this.startSplit(service, range, at));
  }

  /** Moves the whole shard holding exactly `range` to the database at `url`, with the same phases. */
  async move(service: string, range: BucketRange, url: string): Promise<ReshardJob> {
    return this.exclusively(service, () => this.startMove(service, range, url));
  }

  async resume(service: string): Promise<ReshardJob> {
    return this.exclusively(service, () => this.resumeJob(service));
  }

  async complete(service: string): Promise<void> {
    return this.exclusively(service, () => this.completeJob(service));
  }

  async abort(service: string): Promise<void> {
    return this.exclusively(service, () => this.abortJob(service));
  }

  /** The source shard for `range` in the service's current map, and no job in progress. */
  private async planFrom(service: string, range: BucketRange) {
    const existing = await this.options.store.job<ReshardJob>(service);
    if (existing) {
      throw new ReshardError(
        `${service} is already being resharded (${existing.range} → ${existing.moving} on ${databaseOf(existing.targetUrl)}, next phase ${existing.phase}): resume, abort or complete it first`,
      );
    }
    const map = await this.currentMap(service);
    const source = map.shards.find((s) => s.range.lo === range.lo && s.range.hi === range.hi);
    if (!source) {
      const ranges = map.shards.map((s) => formatBucketRange(s.range)).join(', ');
      throw new ReshardError(`${service} has no shard ${formatBucketRange(range)}; its shards are ${ranges}`);
    }
    return { map, source };
  }

  private async startSplit(service: string, range: BucketRange, at: number): Promise<ReshardJob> {
    const { map, source } = await this.planFrom(service, range);
    const lower: ShardSpec = {
      ...source,
      range: { lo: range.lo, hi: at - 1 },
      name: rangeName({ lo: range.lo, hi: at - 1 }),
    };
    const upperRange = { lo: at, hi: range.hi };
    const sourceDb = databaseOf(source.primary);
    const suffix = `${service}_${rangeName(range)}`;
    const prefix = sourceDb.endsWith(suffix) ? sourceDb.slice(0, -suffix.length) : `${sourceDb}_`;
    const target: ShardSpec = {
      name: rangeName(upperRange),
      range: upperRange,
      primary: withDatabase(source.primary, `${prefix}${service}_${rangeName(upperRange)}`),
      replicas: [],
    };
    const job = this.newJob(service, map, source, target, [lower, target]);
    this.print(
      `${service}: split ${job.range} at ${job.moving.slice(0, 2)}: ${job.moving} moves to ${databaseOf(target.primary)}`,
    );
    return this.run(await this.recorded(job));
  }

  /** A job moving the whole shard holding `range` to the database at `url` (created if missing). */
  private async startMove(service: string, range: BucketRange, url: string): Promise<ReshardJob> {
    const { map, source } = await this.planFrom(service, range);
    if (map.shards.some((s) => s.primary === url)) {
      throw new ReshardError(
        `${service}: ${databaseOf(url)} already holds a shard of the map; move to a new database`,
      );
    }
    const target: ShardSpec = { ...source, primary: url, replicas: [] };
    const job = this.newJob(service, map, source, target, [target]);
    this.print(`${service}: move ${job.range} from ${databaseOf(source.primary)} to ${databaseOf(url)}`);
    return this.run(await this.recorded(job));
  }

  /** The job replacing `source` in the map by `replacement` (which includes `target`). */
  private newJob(
    service: string,
    map: { version: number; shards: ShardSpec[] },
    source: ShardSpec,
    target: ShardSpec,
    replacement: ShardSpec[],
  ): ReshardJob {
    return {
      service,
      range: formatBucketRange(source.range),
      moving: formatBucketRange(target.range),
      sourceUrl: source.primary,
      targetUrl: target.primary,
      fromVersion: map.version,
      toVersion: map.version + 1,
      oldShards: toStoredShards(map.shards),
      newShards: toStoredShards(map.shards.flatMap((s) => (s === source ? replacement : [s]))),
      phase: 'prepare',
      rowsCopied: 0,
      startedAt: new Date().toISOString(),
    };
  }

  private async recorded(job: ReshardJob): Promise<ReshardJob> {
    await this.options.store.saveJob(job.service, job);
    return job;
  }

  /** Carries a recorded job on from its next phase. */
  private async resumeJob(service: string): Promise<ReshardJob> {
    const job = await this.jobOf(service);
    if (job.phase === 'switched') {
      this.print(`${service}: already switched to map version ${job.toVersion}; run complete or abort`);
      return job;
    }
    return this.run(job);
  }

  async status(service: string): Promise<ReshardJob | undefined> {
    const job = await this.options.store.job<ReshardJob>(service);
    const map = await this.currentMap(service);
    const shards = map.shards.map((s) => `${formatBucketRange(s.range)} ${databaseOf(s.primary)}`).join(', ');
    this.print(`${service}: shard map version ${map.version}: ${shards}`);
    if (!job) {
      this.print(`${service}: no resharding in progress`);
      return undefined;
    }
    let lag = '';
    await this.withDatabases(job, async (source) => {
      lag = `, ${await pendingChanges(source).catch(() => 0)} changes waiting`;
    });
    const pause = job.pauseMs === undefined ? '' : `, writes paused ${job.pauseMs} ms at the switch`;
    this.print(
      `${service}: ${job.range} → ${job.moving} on ${databaseOf(job.targetUrl)}: next phase ${job.phase}, ${job.rowsCopied} rows copied${lag}${pause}`,
    );
    return job;
  }

  private async jobOf(service: string): Promise<ReshardJob> {
    const job = await this.options.store.job<ReshardJob>(service);
    if (!job) throw new ReshardError(`${service}: no resharding in progress`);
    // Killed between publishing the map and recording it: the map is the truth.
    const map = await this.currentMap(service);
    if (map.version >= job.toVersion && job.phase !== 'switched') {
      job.phase = 'switched';
      await this.options.store.saveJob(service, job);
    }
    return job;
  }

  private async withDatabases<T>(
    job: ReshardJob,
    work: (source: Knex, target: Knex) => Promise<T>,
  ): Promise<T> {
    const source = openDatabase(job.sourceUrl);
    const target = openDatabase(job.targetUrl);
    try {
      return await work(source, target);
    } finally {
      await Promise.allSettled([source.destroy(), target.destroy()]);
    }
  }

  private async run(job: ReshardJob): Promise<ReshardJob> {
    const steps: Record<Exclude<Phase, 'switched'>, (s: Knex, t: Knex) => Promise<void>> = {
      prepare: () => this.prepare(job),
      copy: (s, t) => this.copy(job, s, t),
      'catch-up': (s, t) => this.catchUp(job, s, t),
      verify: (s, t) => this.verify(job, s, t),
      switch: (s, t) => this.switchWrites(job, s, t),
    };
    await this.withDatabases(job, async (source, target) => {
      while (job.phase !== 'switched') {
        const done = job.phase;
        await steps[done](source, target);
        job.phase = PHASES[PHASES.indexOf(done) + 1]!;
        await this.options.store.saveJob(job.service, job);
        await this.options.afterPhase?.(job, done);
      }
    });
    this.print(
      `${job.service}: done: ${job.newShards.length} shards at map version ${job.toVersion}; the old layout is kept until complete (abort goes back)`,
    );
    return job;
  }

  private tables(job: ReshardJob): readonly ReshardTable[] {
    return this.options.tables(job.service);
  }

  private moving(job: ReshardJob): BucketRange {
    return parseBucketRange(job.moving);
  }

  /** Creates and migrates the target, stamps it, installs capture on both sides and starts it on the source. */
  private async prepare(job: ReshardJob): Promise<void> {
    const started = Date.now();
    const created = await ensureDatabase(job.targetUrl);
    const target = openDatabase(job.targetUrl);
    const source = openDatabase(job.sourceUrl);
    try {
      await migrateLatest(target, this.options.migrations(job.service));
      const spec = fromStoredShards(job.newShards).find((s) => s.primary === job.targetUrl)!;
      await stampShardIdentity(target, job.service, spec);
      await installCapture(source, this.tables(job), this.moving(job));
      await installCapture(target, this.tables(job), this.moving(job), job.toVersion);
      await setCapture(source, true);
    } finally {
      await Promise.allSettled([source.destroy(), target.destroy()]);
    }
    this.print(
      `${job.service}: prepare: ${databaseOf(job.targetUrl)} ${created ? 'created' : 'exists'}, migrated, change capture on (${Date.now() - started} ms)`,
    );
  }

  private async copy(job: ReshardJob, source: Knex, target: Knex): Promise<void> {
    const started = Date.now();
    let total = 0;
    let saved = started;
    for (const table of this.tables(job)) {
      let last = 0;
      const copied = await copyTable(source, target, table, this.moving(job), this.batchSize, async (n) => {
        if (n - last >= this.batchSize * 10) {
          last = n;
          this.print(`${job.service}: copy ${table.name}: ${n} rows, ${rate(total + n, started)} rows/s`);
        }
        // The rows copied so far, for status and the topology page: one small write a second.
        if (Date.now() - saved >= PROGRESS_SAVE_MS) {
          saved = Date.now();
          job.rowsCopied = total + n;
          await this.options.store.saveJob(job.service, job);
        }
      });
      total += copied;
      this.print(`${job.service}: copy ${table.name}: ${copied} rows`);
    }
    job.rowsCopied = total;
    this.print(
      `${job.service}: copy: ${total} rows in ${Date.now() - started} ms (${rate(total, started)} rows/s), lag ${await pendingChanges(source)} changes`,
    );
  }

  /**
   * Applies the change log until a round finds less than a batch waiting, calling `onRound` with
   * the entries applied so far after each round. Returns entries applied.
   */
  private async drain(
    source: Knex,
    target: Knex,
    tables: readonly ReshardTable[],
    upToId?: string,
    onRound: (applied: number) => Promise<void> = async () => undefined,
  ): Promise<number> {
    let applied = 0;
    const started = Date.now();
    for (;;) {
      const n = await applyChanges(source, target, tables, this.batchSize, upToId);
      applied += n;
      if (n < this.batchSize) break;
      await onRound(applied);
    }
    // The catch-up's pace, for the lag check before the fence (a few entries say little).
    if (applied >= 50) this.applyPerMs = applied / Math.max(1, Date.now() - started);
    return applied;
  }

  private async catchUp(job: ReshardJob, source: Knex, target: Knex): Promise<void> {
    const started = Date.now();
    let last = 0;
    const applied = await this.drain(source, target, this.tables(job), undefined, async (n) => {
      if (n - last < this.batchSize * 10) return;
      last = n;
      this.print(
        `${job.service}: catch up: ${n} changes applied so far, lag ${await pendingChanges(source)} changes`,
      );
    });
    this.print(
      `${job.service}: catch up: ${applied} changes applied in ${Date.now() - started} ms, lag ${await pendingChanges(source)} changes`,
    );
  }

  private async verify(job: ReshardJob, source: Knex, target: Knex): Promise<void> {
    const started = Date.now();
    let report: VerifyReport | undefined;
    for (let round = 1; round <= 5; round++) {
      await this.drain(source, target, this.tables(job));
      report = await verifyRange(source, target, this.tables(job), this.moving(job));
      if (report.differences.length > 0 || report.inFlight === 0) break;
    }
    job.verify = report;
    if (report!.differences.length > 0) {
      await this.options.store.saveJob(job.service, job);
      throw new ReshardError(
        `${job.service}: verify found ${report!.differences.length} rows that differ; stopped before the switch:\n${describe(report!)}`,
      );
    }
    this.print(
      `${job.service}: verify: ${report!.rows} rows in ${report!.compared} sub-ranges match (counts and ordered checksums; ${report!.inFlight} in flight) in ${Date.now() - started} ms`,
    );
  }

  /**
   * Fences the range on the source, applies what was logged before the fence, waits for the
   * source's outbox to publish what it held, makes the target log its own changes (the way back)
   * and publishes the new map. Over budget: unfences and stays on the old layout.
   */
  private async switchWrites(job: ReshardJob, source: Knex, target: Knex): Promise<void> {
    const tables = this.tables(job);
    // Lag check before any write waits: at the measured pace, what is waiting must take at most
    // a quarter of the budget (the rest is for what arrives meanwhile, the recheck, the outbox).
    for (let round = 0; ; round++) {
      const waiting = await pendingChanges(source);
      const estimateMs = waiting / this.applyPerMs;
      if (estimateMs <= this.switchBudgetMs / 4) break;
      if (round >= 20) {
        throw new ReshardError(
          `${job.service}: ${waiting} changes wait (about ${Math.round(estimateMs)} ms to apply) and the log does not shrink; the switch would not fit its ${this.switchBudgetMs} ms budget, nothing fenced`,
        );
      }
      await this.drain(source, target, tables);
    }
    const fencedAt = Date.now();
    const deadline = fencedAt + this.switchBudgetMs;
    await this.fenceOrExplain(job, source, job.toVersion);
    try {
      const upTo = await maxId(source, 'boxoffice_reshard_changes');
      while (Date.now() < deadline) {
        if ((await applyChanges(source, target, tables, this.batchSize, upTo)) === 0) break;
      }
      // What verify saw in flight must have arrived now (tables with a key: the inbox keeps
      // growing with other keys' messages).
      const recheck = (job.verify?.inFlightAt ?? []).filter((o) =>
        tables.some((t) => t.name === o.table && t.key),
      );
      if (recheck.length > 0) {
        const again = await verifyRange(source, target, tables, this.moving(job), recheck);
        if (again.differences.length > 0) {
          throw new ReshardError(
            `rows in flight at verify still differ after the catch-up:\n${describe(again)}`,
          );
        }
      }
      const outboxUpTo = await maxId(source, 'outbox');
      while (Date.now() < deadline && (await countUpTo(source, 'outbox', outboxUpTo)) > 0) await sleep(10);
      if (Date.now() >= deadline)
        throw new ReshardError(`${job.service}: the switch did not finish in ${this.switchBudgetMs} ms`);
      await setHome(target, true, job.toVersion);
      await setCapture(source, false);
      // A split leaves the source the lower part; a move leaves it nothing to name (the stamp stays).
      if (job.moving !== job.range) {
        await restamp(
          source,
          job.service,
          parseBucketRange(job.range).lo,
          parseBucketRange(job.moving).lo - 1,
        );
      }
      await this.options.store.publish(job.service, job.toVersion, fromStoredShards(job.newShards));
    } catch (err) {
      await fence(source, null, 5000).catch(() => undefined);
      await setHome(target, false, job.toVersion).catch(() => undefined);
      await setCapture(source, true).catch(() => undefined);
      throw new ReshardError(
        `${job.service}: switch abandoned, writes unfenced, still on the old layout (run resume to try again): ${(err as Error).message}`,
      );
    }
    job.pauseMs = Date.now() - fencedAt;
    job.switchedAt = Date.now();
    this.print(
      `${job.service}: switch: writes to ${job.moving} paused ${job.pauseMs} ms; map version ${job.toVersion} published`,
    );
  }

  /** Fences the moving range of `db` at `version`, or says why it could not (nothing is fenced then). */
  private async fenceOrExplain(job: ReshardJob, db: Knex, version: number): Promise<void> {
    const lockTimeoutMs = this.options.lockTimeoutMs ?? 1000;
    try {
      await fence(db, version, lockTimeoutMs);
    } catch (err) {
      throw new ReshardError(
        `${job.service}: could not fence ${job.moving} within ${lockTimeoutMs} ms (a long transaction on the shard?); nothing changed, run the command again: ${(err as Error).message}`,
      );
    }
  }

  /** Removes the moved rows from the source and everything the resharding installed. */
  private async completeJob(service: string): Promise<void> {
    const job = await this.jobOf(service);
    if (job.phase !== 'switched')
      throw new ReshardError(`${service}: not switched yet (next phase ${job.phase}); resume it first`);
    const tables = this.tables(job);
    // Every process reads the map within a second: none reads the moved rows here after this.
    const settled = (job.switchedAt ?? 0) + (this.options.mapSettleMs ?? 1500) - Date.now();
    if (settled > 0) await sleep(settled);
    let removed = 0;
    await this.withDatabases(job, async (source, target) => {
      await source.transaction(async (trx) => {
        await trx.raw('set local session_replication_role = replica');
        for (const table of [...tables].reverse()) {
          if (!table.key) continue; // the inbox: the pruner ages out the source's copy
          const result = await trx.raw<{ rowCount: number }>(
            `delete from ${ident(table.name)} t where ${rangeFilter(table, this.moving(job))}`,
          );
          removed += result.rowCount;
        }
      });
      await dropCapture(source, tables);
      await dropCapture(target, tables);
    });
    await this.options.store.deleteJob(service);
    this.print(
      `${service}: complete: ${removed} moved rows removed from ${databaseOf(job.sourceUrl)}; triggers and change logs dropped`,
    );
  }

  /** Back to the old layout: before the switch by dropping the target; after it by the reverse log. */
  private async abortJob(service: string): Promise<void> {
    const job = await this.jobOf(service);
    const tables = this.tables(job);
    const old = parseBucketRange(job.range);
    await this.withDatabases(job, async (source, target) => {
      if (job.phase === 'switched') {
        const backVersion = job.toVersion + 1;
        const fencedAt = Date.now();
        await this.fenceOrExplain(job, target, backVersion);
        const upTo = await maxId(target, 'boxoffice_reshard_changes');
        const applied = await this.drain(target, source, tables, upTo);
        // What the new shard's relay held at the fence goes out before the old shard takes over.
        const outboxUpTo = await maxId(target, 'outbox');
        const deadline = Date.now() + this.switchBudgetMs;
        while ((await countUpTo(target, 'outbox', outboxUpTo)) > 0) {
          if (Date.now() > deadline) {
            await fence(target, null, 5000);
            throw new ReshardError(
              `${service}: the new shard's outbox did not drain in ${this.switchBudgetMs} ms (is its relay running?); abort abandoned, still on the new layout`,
            );
          }
          await sleep(10);
        }
        await fence(source, null, 5000);
        await restamp(source, service, old.lo, old.hi);
        await this.options.store.publish(service, backVersion, fromStoredShards(job.oldShards));
        this.print(
          `${service}: abort: ${applied} changes made on the target copied back; writes paused ${Date.now() - fencedAt} ms; map version ${backVersion} (the old layout) published`,
        );
        await sleep(this.options.mapSettleMs ?? 1500);
      }
      await dropCapture(source, tables).catch(() => undefined);
    });
    await dropDatabase(job.targetUrl);
    await this.options.store.deleteJob(service);
    this.print(
      `${service}: abort: back on ${job.oldShards.length} shards; ${databaseOf(job.targetUrl)} dropped`,
    );
  }
}

/** The first ten differences, one line each, naming the table and the row's primary key. */
function describe(report: VerifyReport): string {
  return report.differences
    .slice(0, 10)
    .map((d) => `  ${d.table} ${d.pk}: ${d.problem}`)
    .join('\n');
}

function rate(rows: number, since: number): number {
  return Math.round((rows * 1000) / Math.max(1, Date.now() - since));
}

/** The largest id in a table (as text), or "0" when it is empty or absent. */
async function maxId(db: Knex, table: string): Promise<string> {
  const { rows: found } = await db.raw<{ rows: { ok: boolean }[] }>(
    'select to_regclass(?) is not null as ok',
    [table],
  );
  if (!found[0]?.ok) return '0';
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `select coalesce(max(id), 0)::text as id from ${ident(table)}`,
  );
  return rows[0]?.id ?? '0';
}

async function countUpTo(db: Knex, table: string, upTo: string): Promise<number> {
  if (upTo === '0') return 0;
  const { rows } = await db.raw<{ rows: { n: string }[] }>(
    `select count(*) as n from ${ident(table)} where id <= ${BigInt(upTo)}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** The shard identity stamp follows the range the database holds now. */
async function restamp(db: Knex, service: string, lo: number, hi: number): Promise<void> {
  await db('boxoffice_shard')
    .where({ service })
    .update({ bucket_range: formatBucketRange({ lo, hi }) });
}
