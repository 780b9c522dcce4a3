/** @boxoffice/users — the users service's public entry (for tests and scripts); server.ts runs it. */
export { createUsersApp } from './app';
export { buildUsersDeps, hashPassword, verifyPassword, type UsersDeps } from './domain';
export { ClaimAbandonedError, UserRepository } from './data-access';
