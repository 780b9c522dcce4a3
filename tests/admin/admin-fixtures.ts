import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayApp, loadGatewayConfig, createServiceUpstreams } from '../../gateway/src';
import { createLogger, createMetricsRegistry } from '@boxoffice/platform';

/** A port nothing listens on: connecting is refused at once, like a killed instance. */
export const REFUSED = 'http://127.0.0.1:1';

/** A built page stand-in, so the access rules can be tested without running Vite. */
export function fakeUiDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'admin-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>topology</title>');
  writeFileSync(join(dir, 'assets', 'page-abc123.js'), 'console.log(1)');
  return dir;
}

/** The gateway app in-process over the given instance URLs; nothing is proxied in these tests. */
export function gatewayApp(env: Record<string, string>, uiDir = fakeUiDir()) {
  const config = loadGatewayConfig({
    USERS_URLS: REFUSED,
    EVENTS_URLS: REFUSED,
    TICKETS_URLS: REFUSED,
    LOG_LEVEL: 'silent',
    // As behind a proxy on this machine: the tests say where a client is with X-Forwarded-For.
    TRUST_PROXY: 'loopback',
    ...env,
  });
  const { upstreams } = createServiceUpstreams(config);
  const app = createGatewayApp({
    config,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    metrics: createMetricsRegistry('gateway'),
    upstreams,
    adminUiDir: uiDir,
  });
  return { app, close: () => Promise.all(Object.values(upstreams).map((u) => u.close())) };
}

/** The `orders` topic's group as each bus reports it: RabbitMQ tells only its ready messages. */
const ORDERS_GROUP = {
  redis: { name: 'events', consumers: 1, pending: 2, undelivered: 1, oldestPendingMs: 120 },
  rabbitmq: { name: 'events', consumers: 1, pending: null, undelivered: 3, oldestPendingMs: null },
};

/**
 * A stand-in service instance answering /readyz and /internal/stats like a real one, its request
 * counter growing by 50 and its cache hits by 9 (of 10 lookups) per poll. It counts the polls.
 * `bus` is the backend it answers as (its readiness check's name and its queue figures);
 * `cached: false` answers as a service with no entity cache (no cache counters at all).
 */
export async function fakeInstance(
  service: string,
  bus: 'redis' | 'rabbitmq' = 'redis',
  { cached = true }: { cached?: boolean } = {},
): Promise<{ url: string; polls: () => number; close: () => Promise<void> }> {
  let polls = 0;
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/readyz') {
      res.end(JSON.stringify({ status: 'ready', checks: { 'redis cache': 'ok', [`${bus} bus`]: 'ok' } }));
      return;
    }
    if (req.url?.startsWith('/internal/stats')) {
      polls++;
      const n = polls * 50;
      res.end(
        JSON.stringify({
          service,
          instance: `${service}@fake:1`,
          pid: 4242,
          uptimeSeconds: polls,
          http: {
            count: n,
            buckets: [
              [0.005, Math.round(n * 0.9)],
              [0.05, n],
              [null, n],
            ],
          },
          cache: cached
            ? {
                memory: null,
                redis: { hits: polls * 9, negativeHits: 0, misses: polls, errors: 0, stale: 0, bypass: 0 },
              }
            : null,
          shardQueries: { '0_2': polls * 10, '3_5': 0, '6_8': 0, '9_f': 0 },
          busCounts: [
            {
              topic: 'orders',
              group: null,
              published: polls * 5,
              consumed: 0,
              redelivered: 0,
              deadLettered: 0,
              failed: 0,
            },
          ],
          shards: ['00-2f', '30-5f', '60-8f', '90-ff'].map((range, i) => ({
            name: ['0_2', '3_5', '6_8', '9_f'][i],
            range,
            database: `${service}_${['0_2', '3_5', '6_8', '9_f'][i]}`,
            host: 'db:5432',
            state: i === 3 ? 'down' : 'up',
            latencyMs: i === 3 ? null : 1.5,
            rows: i === 3 ? {} : { users: 10 * polls },
            outboxUnsent: i === 3 ? null : i,
            replicas: [],
            ...(i === 3 ? { reason: 'connect ECONNREFUSED' } : {}),
          })),
          bus: {
            state: 'up',
            topics: [
              {
                name: 'orders',
                delivery: 'at-least-once',
                partitions: 8,
                length: 3,
                deadLetters: 1,
                groups: [ORDERS_GROUP[bus]],
              },
            ],
          },
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    polls: () => polls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
