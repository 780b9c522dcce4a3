/**
 * The HTTP API contract (docs/architecture.md, The public API): each service's request schemas (which it validates with) and
 * response schemas, and the routes that tie them to paths. The gateway generates its OpenAPI
 * document from these lists; docs/decisions/0007-openapi-from-zod.md says how to add a route.
 */
export { anyone, errorResponse, jsonBody, jsonResponse, signedIn, uuid } from './http-schemas';
export {
  generateOpenApiDocument,
  type ApiRoute,
  type OpenApiDocument,
  type OpenApiDocumentConfig,
} from './openapi-document';
export { aliveView, readyView, platformApi } from './platform-contract';
export {
  credentialsBody,
  publicProfileView,
  signUpBody,
  updateMeBody,
  userView,
  usersApi,
  type PublicProfileView,
  type UserView,
} from './users-contract';
export {
  EVENT_STATUSES,
  createEventBody,
  eventView,
  eventPageView,
  eventsApi,
  listEventsQuery,
  thumbnailQuery,
  THUMBNAIL_WIDTHS,
  updateEventBody,
  type EventView,
} from './events-contract';
export {
  ORDER_STATUSES,
  TICKET_STATUSES,
  idempotencyKeyHeader,
  myTicketsQuery,
  orderView,
  placeOrderBody,
  preferredWaitSeconds,
  ticketView,
  ticketPageView,
  ticketsApi,
  type OrderView,
  type TicketView,
} from './tickets-contract';
