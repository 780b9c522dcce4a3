import { Client } from 'pg';
import Redis from 'ioredis';
import { SERVICE_NAMES, Topology, withDatabase } from '@boxoffice/shared';

const HOW_TO_POSTGRES = `Start PostgreSQL (Debian: pg_ctlcluster <version> main start; macOS: brew services start postgresql)
or point PG_URL (or TOPOLOGY_FILE) at a server you can reach. The default is postgres://postgres@127.0.0.1:5432.`;
const HOW_TO_REDIS = `Start Redis (redis-server --daemonize yes; macOS: brew services start redis)
or point REDIS_URL (or TOPOLOGY_FILE) at a server you can reach. The default is redis://127.0.0.1:6379.`;

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Every distinct Postgres server and Redis of the topology, each checked once. */
export async function checkDependencies(topology: Topology): Promise<string[]> {
  const postgres = new Set<string>();
  const redis = new Set<string>([topology.busUrl]);
  for (const service of SERVICE_NAMES) {
    for (const shard of topology.services[service].shards)
      postgres.add(withDatabase(shard.primary, 'postgres'));
    redis.add(topology.services[service].cacheUrl);
  }
  const problems: string[] = [];
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
