// First: tracing must be running before express, pg, ioredis and undici are loaded.
import '@boxoffice/tracing/register';
import { createLogger, createMetricsRegistry, exitOnSignals, serveHttp } from '@boxoffice/platform';
import { tracedRequests } from '@boxoffice/tracing';
import { SERVICE_NAMES } from '@boxoffice/runtime';
import { createGatewayApp } from './app';
import { GatewayConfig, loadGatewayConfig } from './config';
import { createServiceUpstreams } from './proxy';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(process.env);
  } catch (err) {
    process.stderr.write(`gateway: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ service: 'gateway', level: config.env.LOG_LEVEL });
  const { upstreams, startDiscovery, stopDiscovery } = createServiceUpstreams(config, {
    onChange: ({ service, ...change }) =>
      logger.info({ upstream: service, ...change }, 'upstream instances changed'),
    onError: (err, service) =>
      logger.warn(
        { err: err.message, upstream: service },
        'instance discovery failed; keeping the known instances',
      ),
  });
  await startDiscovery();
  const app = createGatewayApp({
    config,
    logger,
    metrics: createMetricsRegistry('gateway'),
    upstreams,
  });
  try {
    const running = await serveHttp({
      app: tracedRequests(app),
      port: config.env.PORT,
      host: config.env.HOST,
      logger,
      steps: [
        { name: 'instance discovery', close: stopDiscovery },
        ...SERVICE_NAMES.map((service) => ({
          name: `${service} upstream`,
          close: () => upstreams[service].close(),
        })),
      ],
    });
    exitOnSignals(running.shutdown);
    const instances = Object.fromEntries(SERVICE_NAMES.map((s) => [s, upstreams[s].urls]));
    logger.info({ port: running.port, upstreams: instances }, 'gateway listening');
  } catch (err) {
    process.stderr.write(
      `gateway: cannot listen on ${config.env.HOST}:${config.env.PORT}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
}

void main();
