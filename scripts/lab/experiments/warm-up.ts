import { type HttpRequest, measure } from '../../bench/read/measure';

/**
 * A second of unmeasured load at each target: a process just started spends its first seconds
 * compiling and JIT-warming, which would count against whichever side runs first.
 */
export async function warmUp(
  targets: readonly { url: string; pathOf?: (n: number) => string; request?: HttpRequest }[],
  connections: number,
): Promise<void> {
  for (const t of targets)
    await measure(t.url, {
      seconds: 1,
      connections,
      watch: { processes: {} },
      idle: {},
      pathOf: t.pathOf,
      request: t.request,
    });
}
