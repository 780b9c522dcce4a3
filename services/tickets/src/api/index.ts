export { ticketsRoutes } from './tickets-routes';
export { preferredWaitSeconds } from './request-schemas';
