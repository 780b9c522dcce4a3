import { startService } from '@boxoffice/shared';
import { createUsersApp } from './app';

void startService('users', createUsersApp, process.env);
