import type { z } from 'zod';
import type { serviceEnvSchema } from './config/platform-env';

/** A service process's validated, frozen configuration. */
export type ServiceConfig = z.infer<ReturnType<typeof serviceEnvSchema>>;
