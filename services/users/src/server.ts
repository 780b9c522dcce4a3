import { startService } from '@boxoffice/shared';
import { createUsersApp } from './app';
import { buildUsersDeps } from './domain';

void startService({ name: 'users', buildDeps: buildUsersDeps, createApp: createUsersApp }, process.env);
