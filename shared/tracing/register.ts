/**
 * Import this first in a process's entry file (`import '@boxoffice/tracing/register'`): it starts
 * the OpenTelemetry SDK before express, pg, ioredis, undici or amqplib are loaded, which is what
 * lets their instrumentations see them. The service name is `OTEL_SERVICE_NAME`, else the entry's
 * folder: `services/<name>/…` or `gateway/…`.
 */
import { startTracing } from './src/start-tracing';

function serviceNameOf(entry: string | undefined): string {
  const path = (entry ?? '').split('\\').join('/');
  const service = /services\/(\w+)\//.exec(path)?.[1];
  if (service) return service;
  return path.includes('gateway/') ? 'gateway' : 'boxoffice';
}

const serviceName = process.env.OTEL_SERVICE_NAME ?? serviceNameOf(process.argv[1]);
startTracing({ serviceName, edge: serviceName === 'gateway' });
