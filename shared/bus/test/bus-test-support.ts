import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { createRedisClient, deleteKeysWithPrefix } from '@boxoffice/platform';
import type { Migration } from '@boxoffice/sharding';
import {
  RabbitBus,
  RedisBus,
  ServiceBus,
  inboxMigration,
  outboxMigration,
  outboxTraceContextMigration,
  partitionOf,
} from '@boxoffice/bus';
import { removeRabbitNames } from './remove-rabbit-names';
import { randomName } from '../../sharding/test/test-database';

// The shard-database helpers every library's tests share; bus tests import them from here too.
export { PG_URL, createTestDatabase, randomName } from '../../sharding/test/test-database';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A bus key prefix of a test's own, and a function deleting every key under it (Redis) and every
 * queue and exchange (RabbitMQ, when `backend` is given and is RabbitMQ).
 */
export function testKeyPrefix(backend?: Backend): { keyPrefix: string; cleanUp: () => Promise<void> } {
  const keyPrefix = `${randomName()}:bus:`;
  return {
    keyPrefix,
    cleanUp: async () => {
      const redis = createRedisClient(REDIS_URL, 'bus');
      await deleteKeysWithPrefix(redis, keyPrefix);
      await redis.quit();
      if (backend?.name === 'rabbitmq') await removeRabbitNames(RABBITMQ_URL, keyPrefix);
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

/** What a service's shard holds for the outbox and inbox, plus the tests' effects table. */
export const OUTBOX_TEST_MIGRATIONS: Migration[] = [
  outboxMigration,
  outboxTraceContextMigration,
  inboxMigration,
  effectsMigration,
];

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

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The backends the contract suite runs on; BUS_BACKENDS=redis (or rabbitmq) narrows it. */
export const BACKENDS: { name: 'redis' | 'rabbitmq'; url: string }[] = [
  { name: 'redis' as const, url: REDIS_URL },
  { name: 'rabbitmq' as const, url: RABBITMQ_URL },
].filter((b) => (process.env.BUS_BACKENDS ?? 'redis,rabbitmq').split(',').includes(b.name));
export type Backend = (typeof BACKENDS)[number];

/** Redis keys, or RabbitMQ queues, under a prefix (a broadcast's exchange is not storage). */
export async function storedUnder(backend: Backend, prefix: string): Promise<string[]> {
  if (backend.name === 'rabbitmq') {
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', 'name']);
    return stdout.split('\n').filter((name) => name.trim().startsWith(prefix));
  }
  const redis = createRedisClient(REDIS_URL, 'bus');
  try {
    return await redis.keys(`${prefix}*`);
  } finally {
    await redis.quit();
  }
}

/** What the contract suite reads from the backend itself, to check what the bus left there. */
export interface BackendProbe {
  /** Messages of `group` on the key's partition that are stored and not acknowledged (ready ones, on RabbitMQ). */
  unacked(topic: string, group: string, key: string): Promise<number>;
  /** The topic's dead letters, oldest first. */
  deadLetters(topic: string): Promise<{ id: string; group: string; deliveries: string; error: string }[]>;
  close(): Promise<void>;
}

export async function probeBackend(backend: Backend, bus: ServiceBus): Promise<BackendProbe> {
  if (backend.name === 'redis') {
    const redis = createRedisClient(REDIS_URL, 'bus');
    const keys = (bus as RedisBus).topic.bind(bus as RedisBus);
    return {
      async unacked(topic, group, key) {
        const stream = keys(topic).stream(partitionOf(key, keys(topic).topic.partitions));
        const [pending] = (await redis.xpending(stream, group)) as [number];
        return Math.max(pending, await redis.xlen(stream));
      },
      async deadLetters(topic) {
        const entries = await redis.xrange(keys(topic).deadLetter(), '-', '+');
        return entries.map(([, fields]) => {
          const f = Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])));
          return { id: JSON.parse(f.m).id, group: f.group, deliveries: f.deliveries, error: f.error };
        });
      },
      close: async () => void (await redis.quit()),
    };
  }
  const names = (bus as RabbitBus).topic.bind(bus as RabbitBus);
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  return {
    async unacked(topic, group, key) {
      const queue = names(topic).queue(group, partitionOf(key, names(topic).topic.partitions));
      return (await channel.checkQueue(queue)).messageCount;
    },
    async deadLetters(topic) {
      const letters = [];
      const queue = names(topic).deadLetter();
      for (let m = await channel.get(queue); m; m = await channel.get(queue)) letters.push(m);
      // Put them back for a later look (nack, requeue): reading must not consume them.
      if (letters.length > 0) channel.nack(letters[letters.length - 1], true, true);
      return letters.map((m) => {
        const h = m.properties.headers ?? {};
        const id = (JSON.parse(m.content.toString()) as { id: string }).id;
        return { id, group: String(h.group), deliveries: String(h.deliveries), error: String(h.error) };
      });
    },
    close: async () => void (await connection.close()),
  };
}
