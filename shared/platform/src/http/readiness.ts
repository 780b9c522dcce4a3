import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/**
 * A named dependency check: resolves when the dependency answers, rejects with why not. It may
 * resolve with a note (e.g. "degraded: down"): reported, but the process stays ready — for
 * dependencies it can do without, like a read replica.
 */
export type ReadinessCheck = () => Promise<void | string>;

const CHECK_TIMEOUT_MS = 1500;

async function runCheck(check: ReadinessCheck): Promise<{ passed: boolean; text: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const note = await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { passed: true, text: typeof note === 'string' ? note : 'ok' };
  } catch (err) {
    return { passed: false, text: (err as Error)?.message || String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The named checks, or a function giving them at each probe: a process whose dependencies change
 * while it runs (a service whose shard map a resharding changed) checks the ones it has now.
 */
export type ReadinessChecks = Record<string, ReadinessCheck> | (() => Record<string, ReadinessCheck>);

/** Runs every check in parallel: 200 when all pass, else 503 `not_ready` naming what failed. */
export function readinessHandler(source: ReadinessChecks): RequestHandler {
  return async (_req, res) => {
    const checks = typeof source === 'function' ? source() : source;
    const names = Object.keys(checks);
    const outcomes = await Promise.all(names.map((name) => runCheck(checks[name]!)));
    const results = Object.fromEntries(names.map((name, i) => [name, outcomes[i]!.text]));
    const failed = names.filter((_name, i) => !outcomes[i]!.passed);
    if (failed.length === 0) {
      res.json({ status: 'ready', checks: results });
      return;
    }
    const summary = failed.map((name) => `${name} (${results[name]})`).join(', ');
    const error = new AppError('not_ready', `Not ready: ${summary}`, { details: { checks: results } });
    res.status(error.status).json(error.toBody());
  };
}
