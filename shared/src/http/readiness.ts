import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/** A named dependency check: resolves when the dependency answers, rejects with why not. */
export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 1500;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as Error)?.message || String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel: 200 when all pass, else 503 `not_ready` naming what failed. */
export function readinessHandler(checks: Record<string, ReadinessCheck>): RequestHandler {
  return async (_req, res) => {
    const names = Object.keys(checks);
    const outcomes = await Promise.all(names.map((name) => runCheck(checks[name]!)));
    const results = Object.fromEntries(names.map((name, i) => [name, outcomes[i]!]));
    const failed = names.filter((name) => results[name] !== 'ok');
    if (failed.length === 0) {
      res.json({ status: 'ready', checks: results });
      return;
    }
    const summary = failed.map((name) => `${name} (${results[name]})`).join(', ');
    const error = new AppError('not_ready', `Not ready: ${summary}`, { details: { checks: results } });
    res.status(error.status).json(error.toBody());
  };
}
