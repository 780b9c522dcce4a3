/**
 * `npm run load:compare -- a.json b.json`: two runs of `npm run load` side by side, with b / a
 * ratios (throughput, p50/p90/p99/max, errors, cache hit ratio).
 */
import { renderComparison } from './load/compare';
import { readResultFile } from './load/result-files';

function main(): void {
  const files = process.argv.slice(2).filter((a) => a !== '--');
  if (files.length !== 2 || files.some((f) => f === '-h' || f === '--help')) {
    console.log('usage: npm run load:compare -- a.json b.json');
    process.exitCode = files.length === 2 ? 0 : 1;
    return;
  }
  const [a, b] = files.map(readResultFile);
  console.log(renderComparison(a!, b!));
}

try {
  main();
} catch (err) {
  console.error(`load:compare: ${(err as Error).message}`);
  process.exit(1);
}
