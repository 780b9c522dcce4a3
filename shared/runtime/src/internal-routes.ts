import { Router } from 'express';
import { appliedMigrations, databaseOf, formatBucketRange } from '@boxoffice/sharding';
import type { ServiceContext } from './service-context';

/**
 * `GET /internal/ping`: which shards this instance owns, and for each whether it answers and how
 * many migrations it has. Proves the whole path gateway → service → every shard. Not proxied by
 * the gateway; call an instance directly.
 */
export function internalRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/internal/ping', async (_req, res) => {
    const results = await ctx.dbs.scatter(async (db) => (await appliedMigrations(db)).length);
    res.json({
      service: ctx.service,
      pid: process.pid,
      shards: results.map((result) => ({
        name: `${ctx.service}_${result.shard.name}`,
        range: formatBucketRange(result.shard.range),
        database: databaseOf(result.shard.primary),
        reachable: result.ok,
        migrations: result.ok ? result.value : null,
      })),
    });
  });
  return router;
}
