/**
 * `npm run bench:images`: on-demand thumbnails, measured. Starts a private stack, uploads a
 * generated 1600×1200 JPEG to each of `--events` events, then asks for every (event, width,
 * format) once — cold: each request makes a new variant — and again `--warm-rounds` times —
 * warm: served from the events process's memory — and once more with If-None-Match (304).
 * Prints thumbnails/s and p50/p99 per phase, and the events process's resident memory before
 * and after. Traffic goes to 127.0.0.1 only; the run stops by itself.
 *
 *   npm run bench:images -- [--events 20] [--concurrency 8] [--warm-rounds 3]
 *
 * The experiment itself is in scripts/bench/images/measure.ts, which the lab runs too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runImagesBench } from './bench/images/measure';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    'warm-rounds': { type: 'string', default: '3' },
  },
});

async function main(): Promise<void> {
  const result = await runImagesBench({
    events: Number(values.events),
    concurrency: Number(values.concurrency),
    warmRounds: Number(values['warm-rounds']),
    log: (line) => console.log(line),
  });
  mkdirSync('results', { recursive: true });
  const file = join(
    'results',
    `bench-images-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}.json`,
  );
  const { loadAverage, eventCount, concurrency, phases, rssBefore, rssAfter } = result;
  writeFileSync(
    file,
    `${JSON.stringify({ loadAverage, eventCount, concurrency, phases, rssBefore, rssAfter }, null, 2)}\n`,
  );
  console.log(`result: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
