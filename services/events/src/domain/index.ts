export { buildEventsDeps, EVENT_CACHE_TTL_SECONDS, type EventsDeps } from './events-deps';
export { createEvent, type NewEventInput } from './create-event';
export { getEventJson } from './get-event';
export { updateEvent, type UpdateEventCommand } from './update-event';
export { listEvents, type ListEventsQuery, type EventPage } from './list-events';
export { mergePages, comparePositions } from './merge-pages';
export { decideBatch, reserveSeats, RESERVE_SEATS_CONSUMER } from './reserve-seats';
export { releaseSeat, RELEASE_SEAT_CONSUMER } from './release-seat';
export { decideOrders } from './decide-orders';
export {
  uploadEventImage,
  deleteEventImage,
  findThumbnail,
  makeThumbnail,
  type ThumbnailVariant,
} from './event-images';
export {
  THUMBNAIL_WIDTHS,
  THUMBNAIL_FORMATS,
  UPLOAD_TYPE_NAMES,
  formatFor,
  type ThumbnailFormat,
  type ThumbnailWidth,
} from './image-codec';
// The records the api layer shows; it never imports data-access itself.
export { EVENT_STATUSES, type EventRecord, type EventStatus } from '../data-access';
