export * from './keys';
export * from './db';
