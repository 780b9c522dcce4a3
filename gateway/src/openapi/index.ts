export { documentedRoutes, openApiDocument } from './document';
export { openApiRoutes } from './openapi-routes';
