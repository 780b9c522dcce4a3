import { SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';
import type { GatewayConfig } from '../config';
import { DnsDiscovery, DnsDiscoveryOptions } from './dns-discovery';
import { Upstream } from './upstream';

/** The gateway's upstream for each service, and the discovery that keeps their instances current. */
export interface ServiceUpstreams {
  upstreams: Record<ServiceName, Upstream>;
  /**
   * With UPSTREAM_DISCOVERY=dns: resolves every service's names once, then keeps resolving them
   * every UPSTREAM_RESOLVE_INTERVAL_MS. With `static`: does nothing.
   */
  startDiscovery(): Promise<void>;
  stopDiscovery(): void;
}

/**
 * Builds one Upstream per service from the configured instance URLs. Until the first resolution
 * (and whenever one fails) an upstream holds the URLs as configured, so `http://events:7201`
 * still reaches some events instance through the resolver undici uses when it connects.
 */
export function createServiceUpstreams(
  config: GatewayConfig,
  options: Pick<DnsDiscoveryOptions, 'resolve' | 'onChange' | 'onError'> = {},
): ServiceUpstreams {
  const upstreams = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, new Upstream(service, config.upstreams[service])]),
  ) as Record<ServiceName, Upstream>;
  const discoveries =
    config.env.UPSTREAM_DISCOVERY === 'dns'
      ? SERVICE_NAMES.map(
          (service) =>
            new DnsDiscovery(upstreams[service], config.upstreams[service], {
              ...options,
              intervalMs: config.env.UPSTREAM_RESOLVE_INTERVAL_MS,
            }),
        )
      : [];
  return {
    upstreams,
    async startDiscovery() {
      await Promise.all(discoveries.map((d) => d.refresh()));
      for (const discovery of discoveries) discovery.start();
    },
    stopDiscovery() {
      for (const discovery of discoveries) discovery.stop();
    },
  };
}
