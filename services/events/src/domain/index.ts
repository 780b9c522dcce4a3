export { createEventsDeps, EVENT_CACHE_TTL_SECONDS, type EventsDeps } from './events-deps';
export { createEvent, type NewEventInput } from './create-event';
export { getEvent } from './get-event';
export { updateEvent, type UpdateEventCommand } from './update-event';
export { listEvents, type ListEventsQuery, type EventPage } from './list-events';
export { encodeCursor, decodeCursor } from './listing-cursor';
export { mergePages, comparePositions } from './merge-pages';
export { isSupportedInstant } from './supported-instant';
