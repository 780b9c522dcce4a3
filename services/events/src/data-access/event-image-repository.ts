import { ShardDatabases } from '@boxoffice/sharding';
import { EventRow, toRecord } from './event-repository';
import type { EventImageRecord, EventRecord, NewEventImage } from './records';

interface ImageRow {
  event_id: string;
  version: number;
  content_type: string;
  width: number;
  height: number;
  bytes: Buffer;
}

/**
 * Event images on the event's shard. An upload or a delete is one transaction: a conditional
 * UPDATE of the event (it exists, the caller is its organizer, it is not cancelled) that takes the
 * next image version and bumps the event's version (its JSON changes: imageUrl), then the image
 * row. So a refused request changes nothing, and a versioned URL never names two images.
 */
export class EventImageRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  /** Stores the image as the event's current one; undefined when the event is not the organizer's. */
  async save(eventId: string, organizerId: string, image: NewEventImage): Promise<EventRecord | undefined> {
    return this.dbs.runForKey(eventId, (db) =>
      db.transaction(async (trx) => {
        const [row] = (await trx('events')
          .where({ id: eventId, organizer_id: organizerId })
          .whereNot({ status: 'cancelled' })
          .update({
            image_version: trx.raw('image_version + 1'),
            has_image: true,
            version: trx.raw('version + 1'),
            updated_at: trx.fn.now(),
          })
          .returning('*')) as EventRow[];
        if (!row) return undefined;
        const columns: ImageRow = {
          event_id: eventId,
          version: row.image_version,
          content_type: image.contentType,
          width: image.width,
          height: image.height,
          bytes: image.bytes,
        };
        await trx('event_images').insert(columns).onConflict('event_id').merge();
        return toRecord(row);
      }),
    );
  }

  /** Removes the event's image; undefined when there was none or the event is not the organizer's. */
  async remove(eventId: string, organizerId: string): Promise<EventRecord | undefined> {
    return this.dbs.runForKey(eventId, (db) =>
      db.transaction(async (trx) => {
        const [row] = (await trx('events')
          .where({ id: eventId, organizer_id: organizerId, has_image: true })
          .update({ has_image: false, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
          .returning('*')) as EventRow[];
        if (!row) return undefined;
        await trx('event_images').where({ event_id: eventId }).delete();
        return toRecord(row);
      }),
    );
  }

  /** The stored original of this version, or undefined when the event's image is another one. */
  async findOriginal(eventId: string, version: number): Promise<EventImageRecord | undefined> {
    return this.dbs.runForKey(eventId, async (db) => {
      const row = (await db('event_images').where({ event_id: eventId, version }).first()) as
        ImageRow | undefined;
      if (!row) return undefined;
      return {
        eventId: row.event_id,
        version: row.version,
        contentType: row.content_type,
        width: row.width,
        height: row.height,
        bytes: row.bytes,
      };
    });
  }
}
