export { Upstream, NoInstanceError } from './upstream';
export { forwardTo, type ForwardOptions } from './forward';
export { ROUTE_TABLE, serviceForPath } from './routes';
