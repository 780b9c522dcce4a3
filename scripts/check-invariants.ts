/**
 * `npm run check:invariants`: checks the purchase invariants (docs/architecture.md, The purchase saga) over every shard and prints each
 * violation with its ids. Exits 1 if there is any. Waits up to SETTLE_MS (default 30 s) for
 * orders still in flight to settle, since the invariants hold for a quiet system.
 */
import { z } from 'zod';
import { loadConfig } from '@boxoffice/platform';
import { loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { checkInvariantsWhenQuiet } from './lib/invariants';

const schema = platformEnvSchema.extend({ SETTLE_MS: z.coerce.number().int().min(0).default(30_000) });

async function main(): Promise<void> {
  const config = loadConfig(schema, process.env);
  const report = await checkInvariantsWhenQuiet(loadTopology(config), config.SETTLE_MS);
  const { events, orders, activeTickets } = report.counts;
  console.log(`checked ${events} events, ${orders} orders, ${activeTickets} active tickets`);
  for (const v of report.violations) {
    const ids = Object.entries(v.ids)
      .map(([k, id]) => `${k}=${id}`)
      .join(' ');
    console.log(`VIOLATION ${v.invariant}: ${v.detail} (${ids})`);
  }
  console.log(report.violations.length === 0 ? 'invariants hold' : `${report.violations.length} violations`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}

main().catch((err: Error) => {
  console.error(`check:invariants: ${err.message}`);
  process.exit(2);
});
