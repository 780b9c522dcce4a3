import {
  SERVICE_NAMES,
  ServiceName,
  createLogger,
  createMetricsRegistry,
  createRedisClient,
  exitOnSignals,
  serveHttp,
} from '@boxoffice/shared';
import { createGatewayApp } from './app';
import { GatewayConfig, loadGatewayConfig } from './config';
import { Upstream } from './proxy';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(process.env);
  } catch (err) {
    process.stderr.write(`gateway: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ service: 'gateway', level: config.env.LOG_LEVEL });
  const upstreams = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, new Upstream(service, config.upstreams[service])]),
  ) as Record<ServiceName, Upstream>;
  // Fails fast when Redis is away (no offline queue): the sign-in limiter then fails open.
  const rateLimitRedis = createRedisClient(config.env.RATE_LIMIT_REDIS_URL ?? config.env.REDIS_URL, 'cache');
  rateLimitRedis.on('error', (err) => logger.warn({ err: err.message }, 'rate-limit redis error'));
  void rateLimitRedis.connect().catch(() => undefined);
  const app = createGatewayApp({
    config,
    logger,
    metrics: createMetricsRegistry('gateway'),
    upstreams,
    rateLimitRedis,
  });
  try {
    const running = await serveHttp({
      app,
      port: config.env.PORT,
      host: config.env.HOST,
      logger,
      steps: [
        ...SERVICE_NAMES.map((service) => ({
          name: `${service} upstream`,
          close: () => upstreams[service].close(),
        })),
        {
          name: 'rate-limit redis',
          close: () => rateLimitRedis.quit().catch(() => rateLimitRedis.disconnect()),
        },
      ],
    });
    exitOnSignals(running.shutdown);
    logger.info({ port: running.port, upstreams: config.upstreams }, 'gateway listening');
  } catch (err) {
    process.stderr.write(
      `gateway: cannot listen on ${config.env.HOST}:${config.env.PORT}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
}

void main();
