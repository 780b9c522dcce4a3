export { eventsRoutes } from './events-routes';
export { eventImageRoutes } from './event-image-routes';
export { parseIfMatch } from './entity-tags';
