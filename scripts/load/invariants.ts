import type { Topology } from '@boxoffice/runtime';
import { checkInvariantsWhenQuiet } from '../lib/invariants';
import type { InvariantOutcome } from './load-result';

/**
 * The purchase invariants (docs/architecture.md, The purchase saga), checked the way `npm run check:invariants` does: straight
 * against every shard, once the system is quiet (messages still in flight look like violations,
 * so it re-checks for up to `settleMs`).
 */
export async function runInvariantCheck(topology: Topology, settleMs = 30_000): Promise<InvariantOutcome> {
  try {
    const report = await checkInvariantsWhenQuiet(topology, settleMs);
    const { events, orders, activeTickets, pendingOrders } = report.counts;
    return {
      checked: true,
      violations: report.violations.map(
        (v) =>
          `${v.invariant}: ${v.detail} (${Object.entries(v.ids)
            .map(([k, id]) => `${k}=${id}`)
            .join(' ')})`,
      ),
      note: `${events} events, ${orders} orders (${pendingOrders} pending), ${activeTickets} active tickets`,
    };
  } catch (err) {
    return { checked: false, violations: [], note: `the check failed: ${(err as Error).message}` };
  }
}
