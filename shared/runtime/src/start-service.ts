import type { Express } from 'express';
import type { TopicOptions } from '@boxoffice/bus';
import { loadConfig, exitOnSignals, serveHttp } from '@boxoffice/platform';
import { serviceEnvSchema } from './config/platform-env';
import { DEFAULT_PORTS, ServiceName } from './config/topology';
import { ServiceMessaging, startMessaging } from './messaging';
import { ServiceContext, createServiceContext } from './service-context';

/**
 * A service, as its server.ts hands it to `startService`: the same four parts in every service.
 * `buildDeps` makes the one dependencies object (repositories, caches, clients) from the context;
 * `createApp` builds the Express app from the context and that object; `subscribe` adds the bus
 * consumers, for a service with `topics`.
 */
export interface ServiceDefinition<D> {
  name: ServiceName;
  /** Bus topics the service publishes or consumes. A service without them gets no bus. */
  topics?: Record<string, TopicOptions>;
  buildDeps(ctx: ServiceContext): D;
  createApp(ctx: ServiceContext, deps: D): Express;
  subscribe?(messaging: ServiceMessaging, deps: D): Promise<unknown>;
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
  try {
    const deps = definition.buildDeps(ctx);
    app = definition.createApp(ctx, deps);
    // Before listening: from the first request on, this process hears every invalidation.
    await ctx.invalidations.start();
    if (ctx.messaging) {
      await startMessaging(ctx.messaging);
      await definition.subscribe?.(ctx.messaging, deps);
    }
  } catch (err) {
    for (const step of ctx.shutdownSteps) await Promise.resolve(step.close()).catch(() => undefined);
    fail(service, 'cannot start', err);
  }
  try {
    const running = await serveHttp({
      app,
      port: ctx.config.PORT,
      host: ctx.config.HOST,
      logger: ctx.logger,
      steps: ctx.shutdownSteps,
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
