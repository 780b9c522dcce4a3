import { Client } from 'pg';
import Redis from 'ioredis';
import { withDatabase } from '@boxoffice/sharding';
import { busBackendOf, createBus } from '@boxoffice/bus';
import { SERVICE_NAMES, Topology } from '@boxoffice/runtime';

const HOW_TO_POSTGRES = `Start PostgreSQL (Debian: pg_ctlcluster <version> main start; macOS: brew services start postgresql)
or point PG_URL (or TOPOLOGY_FILE) at a server you can reach. The default is postgres://postgres@127.0.0.1:5432.`;
const HOW_TO_REDIS = `Start Redis (redis-server --daemonize yes; macOS: brew services start redis)
or point REDIS_URL (or TOPOLOGY_FILE) at a server you can reach. The default is redis://127.0.0.1:6379.`;

const HOW_TO_RABBITMQ = `Start RabbitMQ (rabbitmq-server -detached; macOS: brew services start rabbitmq)
or point BUS_URL (or TOPOLOGY_FILE busUrl) at a broker you can reach, e.g. amqp://guest:guest@127.0.0.1:5672.`;

/** A RabbitMQ bus URL answers (a bus client opens and closes a channel). */
async function rabbitProblem(url: string): Promise<string[]> {
  const bus = createBus({ url, keyPrefix: 'preflight:', producer: 'preflight' });
  try {
    await bus.ping();
    return [];
  } catch (err) {
    return [`RabbitMQ at ${redact(url)} is not reachable (${(err as Error).message}).\n${HOW_TO_RABBITMQ}`];
  } finally {
    await bus.close();
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Every distinct Postgres server and Redis of the topology, each checked once. */
export async function checkDependencies(topology: Topology): Promise<string[]> {
  const postgres = new Set<string>();
  const onRabbit = busBackendOf(topology.busUrl) === 'rabbitmq';
  const redis = new Set<string>(onRabbit ? [] : [topology.busUrl]);
  for (const service of SERVICE_NAMES) {
    for (const shard of topology.services[service].shards)
      postgres.add(withDatabase(shard.primary, 'postgres'));
    redis.add(topology.services[service].cacheUrl);
  }
  const problems: string[] = onRabbit ? await rabbitProblem(topology.busUrl) : [];
  await Promise.all([
    ...[...postgres].map(async (url) => {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('select 1');
      } catch (err) {
        problems.push(
          `PostgreSQL at ${redact(url)} is not reachable (${(err as Error).message}).\n${HOW_TO_POSTGRES}`,
        );
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
    ...[...redis].map(async (url) => {
      const client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 2000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
      } catch (err) {
        problems.push(
          `Redis at ${redact(url)} is not reachable (${(err as Error).message}).\n${HOW_TO_REDIS}`,
        );
      } finally {
        client.disconnect();
      }
    }),
  ]);
  return problems;
}
