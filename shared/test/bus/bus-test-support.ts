import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import knex, { Knex } from 'knex';
import {
  Migration,
  createRedisClient,
  deleteKeysWithPrefix,
  dropDatabase,
  ensureDatabase,
  migrateLatest,
  withDatabase,
} from '@boxoffice/shared';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** `t_<random>`: a name no other test run uses. */
export function randomName(): string {
  return `t_${randomBytes(5).toString('hex')}`;
}

/** A bus key prefix of a test's own, and a function deleting every key under it. */
export function testKeyPrefix(): { keyPrefix: string; cleanUp: () => Promise<void> } {
  const keyPrefix = `${randomName()}:bus:`;
  return {
    keyPrefix,
    cleanUp: async () => {
      const redis = createRedisClient(REDIS_URL, 'bus');
      await deleteKeysWithPrefix(redis, keyPrefix);
      await redis.quit();
    },
  };
}

/** Waits until `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const effectsMigration: Migration = {
  name: '0100_test_effects',
  async up(db) {
    await db.schema.createTable('effects', (t) => {
      t.bigIncrements('seq').primary();
      t.uuid('message_id').notNullable();
      t.text('key');
      t.integer('n');
      t.text('applied_by').notNullable();
    });
  },
  async down(db) {
    await db.schema.dropTable('effects');
  },
};

/** A fresh database with the given migrations, and a function dropping it. */
export async function createTestDatabase(
  migrations: Migration[],
): Promise<{ url: string; db: Knex; drop: () => Promise<void> }> {
  const url = withDatabase(PG_URL, `${randomName()}_bus`);
  await ensureDatabase(url);
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 5 } });
  await migrateLatest(db, migrations);
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}

/** A child process running a TypeScript fixture, with its stdout lines. */
export class Fixture {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly exited: Promise<void>;

  constructor(file: string, args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.lines.push(line));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  async waitForLine(prefix: string, timeoutMs = 20_000): Promise<string> {
    await eventually(
      `a line "${prefix}…" from the fixture`,
      () => this.lines.some((l) => l.startsWith(prefix)),
      timeoutMs,
    );
    return this.lines.find((l) => l.startsWith(prefix))!;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
