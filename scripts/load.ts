/**
 * `npm run load -- <browse|signup|rush|mixed> [--duration S | --requests N] [--connections C]
 * [--target URL] [--seed N] [--compare cache-off|direct] [--own-stack]`: load-tests the stack
 * on this machine, prints a table and writes results/<scenario>-<timestamp>.json and .html.
 * See docs/performance.md.
 */
import { runLoadCommand } from './load/load-command';
import { USAGE, parseLoadArgs } from './load/options';

async function main(): Promise<void> {
  const options = parseLoadArgs(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return;
  }
  const results = await runLoadCommand(options, (line) => console.log(line));
  const violated = results.some((r) => (r.invariants?.violations.length ?? 0) > 0);
  if (violated) process.exitCode = 2;
}

main().catch((err: Error) => {
  console.error(`load: ${err.message}`);
  process.exit(1);
});
