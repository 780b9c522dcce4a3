/**
 * @boxoffice/shared — the platform every Boxoffice process is built on. Import from here only;
 * the folders below are internal.
 */
export * from './errors';
export * from './config';
export * from './sharding';
export * from './db';
export * from './redis';
export * from './log';
export * from './http';
export * from './auth';
export * from './service';
export * from './cache';
export * from './bus';
export * from './outbox';
export * from './contracts';
