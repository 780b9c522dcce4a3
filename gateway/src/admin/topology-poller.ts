import { type HttpCounts } from '@boxoffice/contracts';
import { SERVICE_NAMES, type ServiceName, type Topology, httpCounts } from '@boxoffice/runtime';
import type { Registry } from 'prom-client';
import type { Upstream } from '../proxy';
import { busView } from './bus-view';
import { type InstanceSample, sampleInstance } from './instance-sample';
import { p99Between, ratePerSecond, round } from './rates';
import { pairSamples, serviceView } from './service-view';
import type { TopologyView } from './topology-schema';

/**
 * At most one poll of every instance per second, however many browsers watch: the page asks
 * every second, and every request within a second of the last poll gets that poll's view.
 */
export const MIN_POLL_INTERVAL_MS = 1000;
/** A previous poll older than this gives no rates (the figures would average over an idle gap). */
const MAX_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  gateway: HttpCounts;
  services: Record<ServiceName, InstanceSample[]>;
}

export interface TopologyPollerDeps {
  upstreams: Record<ServiceName, Upstream>;
  topology: Topology;
  /** The gateway's own registry: its requests are read in-process. */
  metrics: Registry;
  gatewayName: string;
  /** A fresh signed caller header for /internal/stats (services refuse the call without one). */
  callerHeader: () => string;
  now?: () => number;
}

/** Polls every instance's /readyz and /internal/stats on demand, and builds the page's view. */
export class TopologyPoller {
  private readonly now: () => number;
  private last: { sample: Sample; view: TopologyView } | undefined;
  private inflight: Promise<TopologyView> | undefined;

  constructor(private readonly deps: TopologyPollerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The latest view: the last poll's if it is fresh, else a new poll (shared by concurrent callers). */
  async view(): Promise<TopologyView> {
    if (this.last && this.now() - this.last.sample.at < MIN_POLL_INTERVAL_MS) return this.last.view;
    this.inflight ??= this.poll().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async poll(): Promise<TopologyView> {
    const at = this.now();
    const caller = this.deps.callerHeader(); // one signature serves every instance of this poll
    const [gateway, ...perService] = await Promise.all([
      httpCounts(this.deps.metrics),
      ...SERVICE_NAMES.map((s) =>
        Promise.all(this.deps.upstreams[s].urls.map((url) => sampleInstance(url, caller))),
      ),
    ]);
    const sample: Sample = {
      at,
      gateway,
      services: Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, perService[i]!])) as Sample['services'],
    };
    const before = this.last && at - this.last.sample.at <= MAX_WINDOW_MS ? this.last.sample : undefined;
    const view = this.build(sample, before);
    this.last = { sample, view };
    return view;
  }

  private build(sample: Sample, before: Sample | undefined): TopologyView {
    const seconds = before ? (sample.at - before.at) / 1000 : null;
    const pairsByService = Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, pairSamples(sample.services[s], before?.services[s])]),
    ) as Record<ServiceName, ReturnType<typeof pairSamples>>;
    return {
      generatedAt: new Date(sample.at).toISOString(),
      windowSeconds: seconds === null ? null : round(seconds, 2),
      gateway: {
        name: this.deps.gatewayName,
        requestsPerSecond: ratePerSecond(sample.gateway.count, before?.gateway.count, seconds),
        p99Ms: before ? p99Between(sample.gateway, before.gateway) : null,
      },
      services: SERVICE_NAMES.map((s) =>
        serviceView(s, this.deps.topology.services[s], pairsByService[s], seconds),
      ),
      bus: busView(this.deps.topology.busUrl, Object.values(pairsByService).flat(), seconds),
    };
  }
}
