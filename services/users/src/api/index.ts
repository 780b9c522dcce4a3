export { usersRoutes, credentialsRoutes } from './users-routes';
