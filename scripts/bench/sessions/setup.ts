/**
 * What the lab's `sessions` experiment loads: `count` users' sessions, each both as a signed
 * cookie (the product's format, signed with a key made for this run) and as an opaque id whose
 * session is stored in the local Redis under a fresh prefix; and the two servers of
 * session-server.ts, one per side, each in its own process so its CPU is read on its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SESSION_COOKIE, encodeSession, newSession } from '@boxoffice/gateway';
import { createRedisClient, deleteKeysWithPrefix } from '@boxoffice/platform';
import type { ReadTarget } from '../read/rounds';
import { type BareApp, startBaselineApp } from '../read/stack';

/** The stored sessions outlive any run by far, and still expire if a run dies before removing them. */
const SESSION_TTL_SECONDS = 3600;

export interface SessionSeed {
  redisUrl: string;
  /** Every stored session's key starts with it; removed by `remove`. */
  prefix: string;
  /** The run's cookie-signing key. */
  keys: string[];
  /** The n-th user's `Cookie` header, per side. */
  cookies: { store: string[]; cookie: string[] };
  /** The Redis server's pid (its CPU is the store's too), when Redis says it. */
  redisPid?: number;
  /** Deletes the stored sessions. */
  remove(): Promise<void>;
}

/** `count` users, each with a signed cookie and a stored session of the same payload. */
export async function seedSessions(
  count: number,
  redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<SessionSeed> {
  const prefix = `lab_sessions_${randomBytes(6).toString('hex')}:`;
  const keys = [randomBytes(32).toString('base64url')];
  const redis = createRedisClient(redisUrl, 'cache', { enableOfflineQueue: true });
  try {
    const cookies = { store: [] as string[], cookie: [] as string[] };
    const pipeline = redis.pipeline();
    for (let i = 0; i < count; i++) {
      const session = newSession(randomUUID(), SESSION_TTL_SECONDS);
      // 24 random bytes: an id as hard to guess as the product's would need to be.
      const id = randomBytes(24).toString('base64url');
      pipeline.set(`${prefix}${id}`, JSON.stringify(session), 'EX', SESSION_TTL_SECONDS);
      cookies.store.push(`${SESSION_COOKIE}=${id}`);
      cookies.cookie.push(`${SESSION_COOKIE}=${encodeSession(session, keys)}`);
    }
    await pipeline.exec();
    const pid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
    return {
      redisUrl,
      prefix,
      keys,
      cookies,
      redisPid: pid ? Number(pid) : undefined,
      remove: async () => {
        const client = createRedisClient(redisUrl, 'cache', { enableOfflineQueue: true });
        try {
          await deleteKeysWithPrefix(client, prefix);
        } finally {
          await client.quit();
        }
      },
    };
  } finally {
    await redis.quit();
  }
}

export interface SessionServers {
  store: BareApp;
  cookie: BareApp;
  stop(): Promise<void>;
}

/** Both sides' servers. */
export async function startSessionServers(seed: SessionSeed): Promise<SessionServers> {
  const start = (mode: 'store' | 'cookie') =>
    startBaselineApp({
      name: `sessions-${mode}`,
      entry: join(__dirname, 'session-server.ts'),
      readyPath: '/healthz',
      env: {
        SESSION_MODE: mode,
        REDIS_URL: seed.redisUrl,
        SESSION_KEY_PREFIX: seed.prefix,
        SESSION_KEYS: seed.keys.join(','),
      },
    });
  // Both at once (each takes a second or two to compile); if one fails, the other is stopped.
  const [store, cookie] = await Promise.allSettled([start('store'), start('cookie')]);
  if (store.status === 'fulfilled' && cookie.status === 'fulfilled')
    return {
      store: store.value,
      cookie: cookie.value,
      stop: async () => void (await Promise.all([store.value.stop(), cookie.value.stop()])),
    };
  for (const started of [store, cookie]) if (started.status === 'fulfilled') await started.value.stop();
  throw [store, cookie].find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
}

/** GET /api/me on each side, the n-th request with the n-th user's cookie (round robin). */
export function sessionTargets(
  servers: SessionServers,
  seed: SessionSeed,
): { store: ReadTarget; cookie: ReadTarget } {
  const target = (side: 'store' | 'cookie', description: string): ReadTarget => {
    const cookies = seed.cookies[side];
    return {
      name: side,
      description,
      url: `${servers[side].url}/api/me`,
      // Named per side: the rounds read every watched process's idle CPU under one name each.
      watch: {
        [`${side} server`]: servers[side].pid,
        ...(side === 'store' && seed.redisPid ? { redis: seed.redisPid } : {}),
      },
      headersOf: (n) => ({ cookie: cookies[n % cookies.length]! }),
    };
  };
  return {
    store: target('store', 'session looked up in Redis on every request'),
    cookie: target('cookie', 'signed cookie verified on every request'),
  };
}
