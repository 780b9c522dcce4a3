export { Upstream, NoInstanceError, type InstanceChange } from './upstream';
export {
  DnsDiscovery,
  discoverInstances,
  instanceUrl,
  resolveWithSystem,
  type DnsDiscoveryOptions,
  type ResolveHost,
} from './dns-discovery';
export { createServiceUpstreams, type ServiceUpstreams } from './service-upstreams';
export { forwardTo, upstreamError, type ClientFacts, type Forward, type ForwardOptions } from './forward';
export { clientFacts, withFastPath, type FastPathOptions, type TrustProxy } from './fast-path';
export { ROUTE_TABLE, serviceForPath } from './routes';
