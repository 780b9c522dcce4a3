import type { Migration } from '@boxoffice/sharding';
import type { ServiceName } from '@boxoffice/runtime';
import { eventsMigrations } from './events';
import { ticketsMigrations } from './tickets';
import { usersMigrations } from './users';

/** Each service's migrations: the one place `npm run migrate` and the test helpers look. */
export const MIGRATIONS: Readonly<Record<ServiceName, readonly Migration[]>> = {
  users: usersMigrations,
  events: eventsMigrations,
  tickets: ticketsMigrations,
};
