import { AppError, notFound } from '@boxoffice/platform';
import type { EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';
import { ThumbnailFormat, ThumbnailWidth, inspectUpload } from './image-codec';

export interface UploadImageCommand {
  eventId: string;
  userId: string;
  /** The request's Content-Type, lower-cased, without parameters. */
  contentType: string;
  bytes: Buffer;
}

/**
 * An organizer sets their event's image. The bytes are checked before anything is written (see
 * inspectUpload); the write is one transaction that takes the next image version, so the event's
 * imageUrl changes and every cached variant of the old image is simply never asked for again.
 */
export async function uploadEventImage(deps: EventsDeps, command: UploadImageCommand): Promise<EventRecord> {
  const image = await deps.thumbnails.run(() =>
    inspectUpload(command.bytes, command.contentType, deps.images.maxPixels),
  );
  const saved = await deps.images.repository.save(command.eventId, command.userId, image);
  if (!saved) throw whyRefused(command, await deps.events.findById(command.eventId));
  await deps.cache.invalidate(command.eventId);
  return saved;
}

/** An organizer removes their event's image. */
export async function deleteEventImage(
  deps: EventsDeps,
  command: { eventId: string; userId: string },
): Promise<void> {
  const removed = await deps.images.repository.remove(command.eventId, command.userId);
  if (!removed) {
    const current = await deps.events.findById(command.eventId);
    if (current && current.organizerId === command.userId) throw notFound('event image', command.eventId);
    throw whyRefused(command, current);
  }
  await deps.cache.invalidate(command.eventId);
}

export interface ThumbnailRequest {
  eventId: string;
  width: ThumbnailWidth;
  format: ThumbnailFormat;
  /** The image version the URL names (imageUrl carries it); undefined: whatever is current. */
  version?: number;
}

/** Which variant a request names, decided before any bytes are made (so a 304 costs no resize). */
export interface ThumbnailVariant extends Required<ThumbnailRequest> {
  /** A strong validator: the same event, version, width and format are the same bytes. */
  etag: string;
}

/** Resolves a thumbnail request to one variant of the current image, or 404. */
export async function findThumbnail(deps: EventsDeps, request: ThumbnailRequest): Promise<ThumbnailVariant> {
  let event = await deps.cache.getOrLoad(request.eventId, () => deps.events.findById(request.eventId));
  // The cached event may predate an upload that the URL already names: ask the primary once.
  if (event && request.version !== undefined && event.imageVersion !== request.version) {
    event = await deps.events.findById(request.eventId);
  }
  if (!event) throw notFound('event', request.eventId);
  const version = event.imageVersion;
  if (version === null || (request.version !== undefined && request.version !== version)) {
    throw notFound('event image', request.eventId);
  }
  const etag = `"${event.id}.${version}.${request.width}.${request.format}"`;
  return { eventId: event.id, version, width: request.width, format: request.format, etag };
}

/** The variant's bytes, made on demand on this machine (see ThumbnailMaker). */
export async function makeThumbnail(deps: EventsDeps, variant: ThumbnailVariant): Promise<Buffer> {
  const bytes = await deps.thumbnails.variant(variant, async () => {
    const original = await deps.images.repository.findOriginal(variant.eventId, variant.version);
    return original?.bytes;
  });
  // Replaced or deleted between findThumbnail and here: the URL names an image that is gone.
  if (!bytes) throw notFound('event image', variant.eventId);
  return bytes;
}

function whyRefused(
  command: { eventId: string; userId: string },
  current: EventRecord | undefined,
): AppError {
  if (!current) return notFound('event', command.eventId);
  if (current.organizerId !== command.userId) {
    return new AppError('forbidden', 'Only the organizer of an event may change its image');
  }
  return new AppError('conflict', 'The event is cancelled and can no longer change');
}
