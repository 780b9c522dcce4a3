import type { Express } from 'express';
import { createLogger, loadConfig } from '@boxoffice/platform';
import { ServiceContext, ServiceName, createServiceContext, serviceEnvSchema } from '@boxoffice/runtime';
import type { TestEnv } from './test-env';

export interface InProcessService {
  app: Express;
  ctx: ServiceContext;
  /** Closes the service's Redis and Postgres pools (its shutdown steps, in order). */
  close(): Promise<void>;
}

/**
 * One service's app built in this process against a TestEnv, for supertest. Faster than a
 * process stack; use it for a service's own routes and bad-input tests.
 */
export function buildServiceInProcess(
  service: ServiceName,
  env: TestEnv,
  createAppFor: (ctx: ServiceContext) => Express,
  overrides: Record<string, string> = {},
): InProcessService {
  const config = loadConfig(serviceEnvSchema(0), { ...env.env, ...overrides });
  const ctx = createServiceContext(service, config, {
    logger: createLogger({ service, level: env.env.LOG_LEVEL }),
  });
  const app = createAppFor(ctx);
  return {
    app,
    ctx,
    async close() {
      for (const step of ctx.shutdownSteps) await step.close();
    },
  };
}
