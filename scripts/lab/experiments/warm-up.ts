import { measure } from '../../bench/read/measure';
import { type ReadTarget, type TargetResult, alternatingRounds } from '../../bench/read/rounds';
import type { LabSettings } from '../experiment';

/**
 * A second of unmeasured load at each target: a process just started spends its first seconds
 * compiling and JIT-warming, which would count against whichever side runs first.
 */
export async function warmUp(
  targets: readonly Pick<ReadTarget, 'url' | 'pathOf' | 'headersOf' | 'request'>[],
  connections: number,
): Promise<void> {
  for (const t of targets)
    await measure(t.url, {
      seconds: 1,
      connections,
      watch: { processes: {} },
      idle: {},
      pathOf: t.pathOf,
      headersOf: t.headersOf,
      request: t.request,
    });
}

/**
 * Two targets warmed up, then measured in the lab's alternating rounds (A B, then B A…) at
 * `connections` for `seconds` each: each target's result, in the order given.
 */
export async function warmedPair(
  pair: readonly [ReadTarget, ReadTarget],
  settings: LabSettings,
  size: { seconds: number; connections: number },
): Promise<[TargetResult, TargetResult]> {
  await warmUp(pair, size.connections);
  return (await alternatingRounds(pair, {
    rounds: settings.rounds,
    seconds: size.seconds,
    connections: size.connections,
    log: settings.log,
  })) as [TargetResult, TargetResult];
}
