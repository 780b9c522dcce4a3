// First: tracing must be running before express, pg, ioredis and undici are loaded.
import '@boxoffice/tracing/register';
import { startService } from '@boxoffice/runtime';
import { createUsersApp } from './app';
import { buildUsersDeps } from './domain';

void startService({ name: 'users', buildDeps: buildUsersDeps, createApp: createUsersApp }, process.env);
