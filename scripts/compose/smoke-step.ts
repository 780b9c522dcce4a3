/**
 * The smoke test is a list of steps run in order; each gets the same context and returns one
 * line saying what it saw. A later topology (a Postgres replica, RabbitMQ as the bus) joins by
 * adding a compose file (`--file`) and, where it has something to check, a step.
 */
import type { SignedInUser } from '../api/api-client';
import type { ComposeCli } from './compose-cli';

export interface SmokeContext {
  cli: ComposeCli;
  /** The gateway as the host reaches it: http://127.0.0.1:<GATEWAY_PORT>. */
  gatewayUrl: string;
  /** Where a step may put files (the loadgen results); removed at the end. */
  workDir: string;
  /** What earlier steps made, for later ones. */
  state: {
    buyer?: SignedInUser;
    eventId?: string;
    orderId?: string;
    /** The migrate container as the `up` step left it: later steps check it did not run again. */
    migrate?: MigrateRun;
  };
}

export interface MigrateRun {
  id: string;
  startedAt: string;
  runs: number;
}

export interface SmokeStep {
  name: string;
  /** The step is stopped (and the run fails) after this long. */
  timeoutMs: number;
  run(ctx: SmokeContext): Promise<string>;
}

/** Throws `message` unless `condition` holds. */
export function assertSmoke(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
