export { adminRoutes, ADMIN_UI_DIST, type AdminRoutesOptions } from './admin-routes';
export { TopologyPoller, MIN_POLL_INTERVAL_MS, type TopologyPollerDeps } from './topology-poller';
export { TraceCollector } from './trace-collector';
export { traceListSchema, traceViewSchema, type TraceListView, type TraceView } from './traces-schema';
export { ADMIN_KEY_HEADER, ADMIN_COOKIE, adminCookieValue } from './admin-access';
export { topologySchema, type TopologyView } from './topology-schema';
export { p99Between, ratePerSecond } from './rates';
export { busView } from './bus-view';
export { reshardView } from './service-view';
