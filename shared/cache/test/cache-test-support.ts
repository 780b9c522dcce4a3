import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { Knex } from 'knex';
import { Registry } from 'prom-client';
import { Redis, createRedisClient } from '@boxoffice/platform';
import { dropDatabase, ensureDatabase, withDatabase } from '@boxoffice/sharding';
import { EntityCache, EntityCacheOptions } from '@boxoffice/cache';

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** `t_<random>`: a name no other test run uses. */
export function randomName(): string {
  return `t_${randomBytes(5).toString('hex')}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A redis-server of the test's own on a free port, in a temporary folder, so the test can stop
 * it (the shared Redis must never be stopped). With `persist`, it keeps its data across a
 * restart (append-only file, fsync always), like a production Redis coming back.
 */
export class PrivateRedis {
  readonly url: string;
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'boxoffice-redis-'));

  private constructor(
    readonly port: number,
    private readonly persist: boolean,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** A server on a free port, not started yet. */
  static async create(options: { persist?: boolean } = {}): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort(), options.persist ?? false);
  }

  /** A server on a free port, started. */
  static async start(options: { persist?: boolean } = {}): Promise<PrivateRedis> {
    const redis = await PrivateRedis.create(options);
    await redis.start();
    return redis;
  }

  /** Starts (again, on the same port) and waits until it answers PING; does nothing if running. */
  async start(): Promise<void> {
    if (this.child) return;
    const persistence = this.persist
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, ...persistence],
      { stdio: 'ignore' },
    );
    const probe = createRedisClient(this.url, 'cache', { retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await eventually(`redis-server on ${this.port}`, async () => {
        if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
        return probe.status === 'ready' && (await probe.ping().catch(() => '')) === 'PONG';
      });
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** Kills the server and removes its folder. */
  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A row of the test's "shard": a document with a version, like an event. */
export interface Thing {
  id: string;
  body: string;
  version: number;
}

/**
 * The source of truth the caches sit in front of: a table `things` in a fresh database, with
 * a load function that counts how often it was asked.
 */
export class ThingsShard {
  loads = 0;

  private constructor(
    readonly url: string,
    readonly db: Knex,
  ) {}

  static async create(): Promise<ThingsShard> {
    const url = withDatabase(PG_URL, `${randomName()}_cache`);
    await ensureDatabase(url);
    const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
    await db.schema.createTable('things', (t) => {
      t.text('id').primary();
      t.text('body').notNullable();
      t.integer('version').notNullable();
    });
    return new ThingsShard(url, db);
  }

  /** Inserts or replaces a thing; returns it. */
  async write(id: string, body: string, version: number): Promise<Thing> {
    await this.db('things').insert({ id, body, version }).onConflict('id').merge();
    return { id, body, version };
  }

  readonly load = async (id: string): Promise<Thing | undefined> => {
    this.loads++;
    return (await this.db<Thing>('things').where({ id }).first()) ?? undefined;
  };

  async drop(): Promise<void> {
    await this.db.destroy();
    await dropDatabase(this.url);
  }
}

/** A cache of things under a fresh key prefix, versioned by `version`, with its own metrics. */
export function thingCache(redis: Redis, options: Partial<EntityCacheOptions<Thing>> = {}) {
  const metrics = new Registry();
  const cache = new EntityCache<Thing>({
    redis,
    keyPrefix: `${randomName()}:`,
    entity: 'thing',
    metrics,
    versionOf: (thing) => thing.version,
    ...options,
  });
  return { cache, metrics };
}

/** `cache_requests_total` as "level result" → count, e.g. { 'l1 hit': 3, 'l2 miss': 1 }. */
export async function lookups(metrics: Registry): Promise<Record<string, number>> {
  const metric = metrics.getSingleMetric('cache_requests_total');
  if (!metric) return {};
  const values = (await metric.get()).values.filter((v) => v.value > 0);
  return Object.fromEntries(values.map((v) => [`${v.labels.level} ${v.labels.result}`, v.value]));
}

/** A fixture (TypeScript, run with tsx) in a child process that prints `listening <port>`. */
export class FixtureProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<unknown>;
  readonly port: Promise<number>;

  constructor(file: string, args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.port = new Promise((resolve, reject) => {
      let seen = '';
      this.child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const port = /^listening (\d+)$/m.exec(seen)?.[1];
        if (port) resolve(Number(port));
      });
      void this.exited.then(() => reject(new Error(`${file} exited before listening`)));
    });
  }

  /** GET a path of the fixture's HTTP port; the JSON body. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${await this.port}${path}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
