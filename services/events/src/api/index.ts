export { eventsRoutes } from './events-routes';
export { parseIfMatch } from './entity-tags';
