export { openApiDocument } from './document';
export { openApiRoutes } from './openapi-routes';
