import { startService } from '@boxoffice/runtime';
import { createUsersApp } from './app';
import { buildUsersDeps } from './domain';

void startService({ name: 'users', buildDeps: buildUsersDeps, createApp: createUsersApp }, process.env);
