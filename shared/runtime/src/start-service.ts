import type { Express } from 'express';
import type { TopicOptions } from '@boxoffice/bus';
import { type ShutdownStep, exitOnSignals, loadConfig, serveHttp } from '@boxoffice/platform';
import { tracedRequests } from '@boxoffice/tracing';
import { serviceEnvSchema } from './config/platform-env';
import { DEFAULT_PORTS, ServiceName } from './config/topology';
import { ServiceMessaging, startMessaging } from './messaging';
import { ServiceContext, createServiceContext } from './service-context';

/**
 * Work a service does in the background, on a timer (the tickets' pending-order sweeper). The
 * runtime starts it after the consumers and stops it first on shutdown, before the outbox relay,
 * so whatever it writes to the outbox is still relayed. `stop` waits for a run in progress.
 */
export interface BackgroundJob {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/**
 * A service, as its server.ts hands it to `startService`: the same parts in every service.
 * `buildDeps` makes the one dependencies object (repositories, caches, clients) from the context;
 * `createApp` builds the Express app from the context and that object; `subscribe` adds the bus
 * consumers, for a service with `topics`; `jobs` are its background jobs. The runtime's own
 * background work (the outbox relay, the inbox pruner, the cache invalidations) is started and
 * stopped with them, in the context's shutdown order.
 */
export interface ServiceDefinition<D> {
  name: ServiceName;
  /** Bus topics the service publishes or consumes. A service without them gets no bus. */
  topics?: Record<string, TopicOptions>;
  buildDeps(ctx: ServiceContext): D;
  createApp(ctx: ServiceContext, deps: D): Express;
  subscribe?(messaging: ServiceMessaging, deps: D): Promise<unknown>;
  jobs?(ctx: ServiceContext, deps: D): BackgroundJob[];
}

/** Shutdown steps for the jobs, stopped before everything in the context's order. */
function jobSteps(jobs: readonly BackgroundJob[]): ShutdownStep[] {
  return jobs.map((job) => ({ name: job.name, close: () => job.stop() }));
}

function fail(service: string, what: string, err: unknown): never {
  process.stderr.write(`${service}: ${what}: ${(err as Error).message}\n`);
  process.exit(1);
}

/**
 * The body of every service's server.ts: read configuration, build the context, the deps and the
 * app, start the outbox relay and the consumers, listen, and shut down gracefully on a signal.
 * A configuration error is printed and exits 1 before anything connects; this is the one place a
 * service process decides to exit.
 */
export async function startService<D>(
  definition: ServiceDefinition<D>,
  env: Record<string, string | undefined>,
): Promise<void> {
  const service = definition.name;
  let ctx: ServiceContext;
  try {
    const config = loadConfig(serviceEnvSchema(DEFAULT_PORTS[service]), env);
    ctx = createServiceContext(service, config, { topics: definition.topics });
  } catch (err) {
    fail(service, 'cannot start', err);
  }
  let app: Express;
  let steps: readonly ShutdownStep[] = ctx.shutdownSteps;
  try {
    // The published shard map, if a resharding ever changed the topology's (version 0).
    await ctx.shardMap.start();
    const deps = definition.buildDeps(ctx);
    app = definition.createApp(ctx, deps);
    const jobs = definition.jobs?.(ctx, deps) ?? [];
    steps = [...jobSteps(jobs), ...ctx.shutdownSteps];
    // Before listening: from the first request on, this process hears every invalidation.
    await ctx.invalidations.start();
    if (ctx.messaging) {
      await startMessaging(ctx.messaging);
      await definition.subscribe?.(ctx.messaging, deps);
    }
    for (const job of jobs) await job.start();
  } catch (err) {
    for (const step of steps) await Promise.resolve(step.close()).catch(() => undefined);
    fail(service, 'cannot start', err);
  }
  try {
    const running = await serveHttp({
      app: tracedRequests(app),
      port: ctx.config.PORT,
      host: ctx.config.HOST,
      logger: ctx.logger,
      steps,
    });
    exitOnSignals(running.shutdown);
    ctx.logger.info(
      { port: running.port, shards: ctx.router.shards.map((s) => s.name) },
      `${service} listening`,
    );
  } catch (err) {
    fail(service, `cannot listen on ${ctx.config.HOST}:${ctx.config.PORT}`, err);
  }
}
