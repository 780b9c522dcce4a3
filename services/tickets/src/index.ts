export { createTicketsApp } from './app';
