import type { Express } from 'express';
import { loadConfig } from '../config/load-config';
import { serviceEnvSchema } from '../config/platform-env';
import { DEFAULT_PORTS, ServiceName } from '../config/topology';
import { exitOnSignals, serveHttp } from '../http/serve';
import { ServiceContext, createServiceContext } from './service-context';

/**
 * The body of every service's server.ts: read configuration, build the context and the app,
 * listen, and shut down gracefully on a signal. A configuration error is printed and exits 1
 * before anything connects; this is the one place a service process decides to exit.
 */
export async function startService(
  service: ServiceName,
  buildApp: (ctx: ServiceContext) => Express | Promise<Express>,
  env: Record<string, string | undefined>,
): Promise<void> {
  let ctx: ServiceContext;
  try {
    ctx = createServiceContext(service, loadConfig(serviceEnvSchema(DEFAULT_PORTS[service]), env));
  } catch (err) {
    process.stderr.write(`${service}: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let app: Express;
  try {
    app = await buildApp(ctx);
  } catch (err) {
    process.stderr.write(`${service}: cannot start: ${(err as Error).message}\n`);
    for (const step of ctx.shutdownSteps) await Promise.resolve(step.close()).catch(() => undefined);
    process.exit(1);
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
    process.stderr.write(
      `${service}: cannot listen on ${ctx.config.HOST}:${ctx.config.PORT}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
}
