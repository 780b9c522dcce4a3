import { median } from '../bench/read/measure';

/**
 * The order of the sides in round `round` (0-based): the first side leads in even rounds and the
 * order turns one step each round, so two sides run A B, B A, A B… (A B B A over two rounds) and
 * three run a b c, b c a, c a b. A slower stretch of the machine then falls on every side.
 */
export function roundOrder(sides: number, round: number): number[] {
  return Array.from({ length: sides }, (_, i) => (i + round) % sides);
}

export interface Side<T> {
  label: string;
  run(round: number): Promise<T>;
}

/** Runs every side once per round in `roundOrder`; returns each side's figures by round. */
export async function alternate<T>(
  sides: readonly Side<T>[],
  rounds: number,
  log: (line: string) => void,
): Promise<T[][]> {
  const results: T[][] = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(sides.length, round)) {
      log(`round ${round + 1}/${rounds}: ${sides[i]!.label}`);
      results[i]![round] = await sides[i]!.run(round);
    }
  }
  return results;
}

/** The median over rounds of b ÷ a, each ratio within one round. */
export function medianRatio<T>(a: readonly T[], b: readonly T[], value: (t: T) => number): number {
  return median(a.map((x, i) => value(b[i]!) / value(x)));
}

/** The median over rounds of one figure. */
export function medianOf<T>(rounds: readonly T[], value: (t: T) => number): number {
  return median(rounds.map(value));
}
