import { startService } from '@boxoffice/shared';
import { createTicketsApp } from './app';

void startService('tickets', createTicketsApp, process.env);
