export { createEventsApp } from './app';
