import { roundRatio, type TargetResult } from '../../bench/read/rounds';
import { startReadStack } from '../../bench/read/stack';
import { eventTargets } from '../../bench/read/targets';
import { warmedPair } from './warm-up';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const totalCpu = (t: TargetResult) =>
  Object.values(t.median.cpuMsPerRequest).reduce((sum, ms) => sum + (Number.isFinite(ms) ? ms : 0), 0);

/** The paragraph, from the two targets' medians and the ratio of their req/s. */
export function describeGatewayHop(gateway: TargetResult, direct: TargetResult, ratio: number): string {
  const g = gateway.median;
  const d = direct.median;
  const gatewayCpu = g.cpuMsPerRequest.gateway ?? NaN;
  return (
    `Through the gateway the cached event page ran at ${times(ratio)} the requests per second of the direct read ` +
    `(${fig(g.requestsPerSecond)} against ${fig(d.requestsPerSecond)} req/s, median of alternating rounds). ` +
    byDirection(ratio, {
      lower:
        `The hop costs throughput here: on shared cores the gateway's own CPU (${fig(gatewayCpu)} ms per request) ` +
        `adds to the events service's, so the same cores answer fewer requests; on cores of its own the gateway would cost latency instead. `,
      same:
        `The hop cost no throughput that this run could tell from noise: the gateway's CPU per request ` +
        `(${fig(gatewayCpu)} ms) was small next to what the machine's variation hides. `,
      higher:
        `That is the other way round from what an extra hop should do; the machine's variation between rounds ` +
        `was larger than the gateway's cost (${fig(gatewayCpu)} ms of CPU per request), so run more rounds before reading anything into it. `,
    }) +
    `Median latency was ${fig(g.p50Ms)} ms through the gateway and ${fig(d.p50Ms)} ms direct; ` +
    `all processes together spent ${fig(totalCpu(gateway))} against ${fig(totalCpu(direct))} ms of CPU per request.`
  );
}

export const gatewayHop = defineExperiment({
  name: 'gateway-hop',
  idea: 'services behind one gateway (a load balancer in front of stateless workers)',
  implementedIn: 'gateway/src/proxy/fast-path.ts',
  question:
    'What does the extra hop through the gateway cost a cached read, against asking the service directly?',
  sizes: {
    quick: { events: 5, seconds: 1, connections: 10 },
    standard: { events: 50, seconds: 5, connections: 50 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const read = await startReadStack({ events: size.events });
    try {
      const { gateway, direct } = eventTargets(read);
      const [g, d] = await warmedPair([gateway, direct], settings, size);
      const ratio = roundRatio(g, d);
      const failures = g.failures + d.failures;
      if (failures > 0) throw new Error(`${failures} requests failed: the figures are not to be trusted`);
      const row = (label: string, t: TargetResult) => [
        label,
        t.median.requestsPerSecond,
        t.median.p50Ms,
        t.median.p99Ms,
        totalCpu(t),
      ];
      return {
        setup:
          `A private stack (one instance of each service and the gateway) with ${size.events} events; ` +
          `autocannon at ${size.connections} connections asks for one cached event page for ${size.seconds} s per side ` +
          `and round, ${settings.rounds} rounds alternating (gateway, direct, then direct, gateway…).`,
        table: {
          columns: ['path', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/request (all processes)'],
          rows: [row('direct to the events service', d), row('through the gateway', g)],
        },
        chart: {
          title: 'Cached event page: requests per second (median of rounds)',
          unit: 'req/s',
          bars: [
            { label: 'direct', value: d.median.requestsPerSecond },
            { label: 'through the gateway', value: g.median.requestsPerSecond },
          ],
        },
        paragraph: describeGatewayHop(g, d, ratio),
        ratios: { 'gateway/direct': ratio },
      };
    } finally {
      await read.stop();
    }
  },
});
