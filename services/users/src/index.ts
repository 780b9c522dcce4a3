export { createUsersApp } from './app';
