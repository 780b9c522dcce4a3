export { ticketsRoutes } from './tickets-routes';
export { preferredWaitSeconds, encodeTicketCursor, decodeTicketCursor } from './request-schemas';
