import { startService } from '@boxoffice/shared';
import { createEventsApp } from './app';

void startService('events', createEventsApp, process.env);
