export * from './errors';
export * from './log';
export * from './config';
export * from './http';
export * from './auth';
export * from './redis';
export { UUID_PATTERN, newId, isUuid } from './uuid';
