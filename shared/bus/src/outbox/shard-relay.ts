import type { Knex } from 'knex';
import type { PoolClient, QueryResult } from 'pg';
import { BusFullError } from '../bus-errors';
import type { BatchMessage, Bus } from '../redis-bus';
import type { KnexConnections, ShardDatabases } from '@boxoffice/sharding';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-migrations';
import { WakeableSleep } from '../wakeable-sleep';
import type { Span } from '@opentelemetry/api';
import { endSpan, startPublishSpan } from '@boxoffice/tracing';

/** One database whose outbox is relayed (or whose inbox is pruned). */
export interface RelayShard {
  name: string;
  db: Knex;
}

/** Every shard of a service, as the relay and the inbox pruner take them. */
export function shardsOf(dbs: ShardDatabases): RelayShard[] {
  return dbs.router.shards.map((shard) => ({ name: shard.name, db: dbs.knexFor(shard) as Knex }));
}

export interface ShardRelaySettings {
  bus: Pick<Bus, 'publishBatch'>;
  batchSize: number;
  pollIntervalMs: number;
  gatherMs: number;
  afterPublish?: (shard: string, messageIds: string[]) => Promise<void> | void;
  onError(err: unknown): void;
  onBusFull(err: BusFullError): void;
  onRelayed(count: number): void;
}

interface OutboxRow {
  id: string;
  message_id: string;
  topic: string;
  key: string;
  type: string;
  payload: unknown;
  request_id: string | null;
  trace_context: string | null;
  occurred_at: Date;
}

/** The advisory lock key every relay of a shard database takes (advisory locks are per database). */
const RELAY_LOCK_KEY = 0x6f7574626f78; // 'outbox'

/** `moved`: rows published and deleted; `waiting`: another relay holds the shard's relay lock, or every topic was full. */
type BatchResult = { moved: number; waiting: boolean };

/**
 * Longest pause after failed batches in a row (doubling from the poll interval). A shard that is
 * down or overloaded is asked less and less often: every attempt is a connection the server must
 * start, and a fleet of relays retrying each second kept a loaded machine loaded.
 */
export const MAX_RELAY_BACKOFF_MS = 5000;

/** The relay loop of one shard. */
export class ShardRelay {
  private stopping = false;
  /** Batches that failed in a row. */
  private failures = 0;
  private listener: PoolClient | undefined;
  private readonly pause = new WakeableSleep();
  /** A NOTIFY arrived while a batch was running: look again instead of sleeping. */
  private notified = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly shard: RelayShard,
    private readonly settings: ShardRelaySettings,
  ) {}

  get name(): string {
    return this.shard.name;
  }

  async start(): Promise<void> {
    await this.listen();
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    await this.loop;
    await this.unlisten();
  }

  async backlog(): Promise<number> {
    const row = await this.shard.db(OUTBOX_TABLE).count<{ count: string }[]>({ count: '*' }).first();
    return Number(row?.count ?? 0);
  }

  private async run(): Promise<void> {
    const { batchSize, pollIntervalMs } = this.settings;
    while (!this.stopping) {
      let pause = pollIntervalMs;
      // Woken by a commit: let the commits right behind it land too, so a burst goes out in a
      // few transactions instead of one per row.
      if (this.notified && this.settings.gatherMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.settings.gatherMs));
      }
      this.notified = false;
      try {
        const { moved, waiting } = await this.relayBatch();
        this.failures = 0;
        if (!this.listener && !this.stopping) await this.listen();
        if (moved === batchSize) continue; // more rows are likely waiting
        // Another relay is mid-batch on this shard: look again soon rather than at the next poll.
        if (waiting) pause = Math.min(pollIntervalMs, 50);
      } catch (err) {
        this.settings.onError(err);
        this.failures += 1;
        pause = Math.min(MAX_RELAY_BACKOFF_MS, pollIntervalMs * 2 ** Math.min(this.failures, 16));
      }
      await this.sleep(pause);
    }
  }

  /**
   * One transaction: take the shard's relay lock, read the oldest rows, publish them, delete them,
   * commit. The lock is a transaction-scoped advisory lock, so one relay at a time works on a
   * shard and rows reach the bus in id order however many relays there are; the others come back
   * soon. (Row locks with SKIP LOCKED were not enough: two relays scanning at once can each lock
   * an interleaved set of rows, and the one holding the oldest row then published past a gap.)
   *
   * Two round trips, not five: it runs on a pooled connection as two simple queries (begin +
   * lock + read; delete + commit), since a relay runs after nearly every commit of a busy shard.
   * The read is its own statement after the lock's, so its snapshot is taken once the lock is
   * held and sees every row the previous holder deleted. Only integers are written into them: a
   * constant lock key, the configured batch size and ids read from the table.
   */
  private async relayBatch(): Promise<BatchResult> {
    const pool = this.shard.db.client as KnexConnections;
    const connection = await pool.acquireConnection();
    try {
      return await this.relayOn(connection);
    } catch (err) {
      await connection.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  private async relayOn(connection: PoolClient): Promise<BatchResult> {
    const limit = this.settings.batchSize;
    const results = (await connection.query(
      `begin; select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as locked;
       select * from ${OUTBOX_TABLE} order by id limit ${limit}`,
    )) as unknown as QueryResult[];
    if (!results[1]?.rows[0]?.locked) {
      await connection.query('rollback');
      return { moved: 0, waiting: true };
    }
    const rows = results[2]!.rows as OutboxRow[];
    const published = rows.length > 0 ? await this.publish(rows) : [];
    if (published.length > 0) {
      await this.settings.afterPublish?.(
        this.shard.name,
        published.map((row) => row.message_id),
      );
    }
    const ids = published.map((row) => row.id);
    if (!ids.every((id) => /^[0-9]+$/.test(String(id)))) throw new Error('outbox ids must be integers');
    await connection.query(
      ids.length > 0 ? `delete from ${OUTBOX_TABLE} where id in (${ids.join(',')}); commit` : 'commit',
    );
    if (rows.length > 0) this.settings.onRelayed(published.length);
    return { moved: published.length, waiting: rows.length > 0 && published.length === 0 };
  }

  /** Publishes per topic, in id order. A full topic keeps its rows (order within it holds); the others go on. */
  private async publish(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    const published: OutboxRow[] = [];
    for (const [topic, topicRows] of byTopic) {
      const now = Date.now();
      const spans: Span[] = [];
      const messages: BatchMessage[] = topicRows.map((row) => {
        // Only rows written inside a sampled trace get a span: the hop from the outbox to the bus.
        const publishing = row.trace_context
          ? startPublishSpan(
              topic,
              row.message_id,
              row.trace_context,
              now - new Date(row.occurred_at).getTime(),
            )
          : undefined;
        if (publishing) spans.push(publishing.span);
        return {
          key: row.key,
          type: row.type,
          payload: row.payload,
          id: row.message_id,
          occurredAt: new Date(row.occurred_at).toISOString(),
          ...(row.request_id ? { requestId: row.request_id } : {}),
          ...(publishing?.traceparent ? { traceparent: publishing.traceparent } : {}),
        };
      });
      try {
        await this.settings.bus.publishBatch(topic, messages);
        published.push(...topicRows);
        for (const span of spans) endSpan(span);
      } catch (err) {
        for (const span of spans) endSpan(span, err);
        if (!(err instanceof BusFullError)) throw err;
        this.settings.onBusFull(err);
      }
    }
    return published;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.notified) return Promise.resolve();
    return this.pause.sleep(ms);
  }

  /** Holds one pooled connection for LISTEN. If it fails, the relay polls and tries again later. */
  private async listen(): Promise<void> {
    const client = this.shard.db.client as KnexConnections;
    try {
      const connection = await client.acquireConnection();
      connection.on('notification', () => {
        this.notified = true;
        this.pause.wake();
      });
      connection.on('error', (err) => {
        this.settings.onError(err);
        if (this.listener === connection) this.listener = undefined;
      });
      await connection.query(`listen ${OUTBOX_CHANNEL}`);
      this.listener = connection;
    } catch (err) {
      this.settings.onError(err);
    }
  }

  private async unlisten(): Promise<void> {
    const connection = this.listener;
    if (!connection) return;
    this.listener = undefined;
    const client = this.shard.db.client as KnexConnections;
    await connection.query(`unlisten ${OUTBOX_CHANNEL}`).catch(() => undefined);
    connection.removeAllListeners('notification');
    await client.releaseConnection(connection);
  }
}
