import type { Knex } from 'knex';
import { isAppError } from '@boxoffice/platform';
import { ShardDatabases, queryPrepared, timestamptzAsIsoText } from '@boxoffice/sharding';
import type {
  EventChanges,
  EventRecord,
  EventStatus,
  ListingQuery,
  NewEventRecord,
  UpdateConditions,
} from './records';

const TABLE = 'events';

export interface EventRow {
  id: string;
  organizer_id: string;
  title: string;
  description: string;
  venue: string;
  /** A Date from knex; ISO text from the listing's statement (it reads timestamps as text). */
  starts_at: Date | string;
  capacity: number;
  seats_sold: number;
  status: EventStatus;
  version: number;
  image_version: number;
  has_image: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (at: Date | string): string => (typeof at === 'string' ? at : at.toISOString());

export function toRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    title: row.title,
    description: row.description,
    venue: row.venue,
    startsAt: iso(row.starts_at),
    capacity: row.capacity,
    seatsSold: row.seats_sold,
    status: row.status,
    version: row.version,
    imageVersion: row.has_image ? row.image_version : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toColumns(changes: EventChanges): Partial<EventRow> {
  const columns: Partial<EventRow> = {};
  if (changes.title !== undefined) columns.title = changes.title;
  if (changes.description !== undefined) columns.description = changes.description;
  if (changes.venue !== undefined) columns.venue = changes.venue;
  if (changes.startsAt !== undefined) columns.starts_at = changes.startsAt;
  if (changes.capacity !== undefined) columns.capacity = changes.capacity;
  if (changes.status !== undefined) columns.status = changes.status;
  return columns;
}

/**
 * Events on their shards. Every method routes by event id (or scatters over all shards for the
 * listing), so callers never see a shard, a pool or a query builder. An unreachable shard
 * surfaces as AppError `shard_unavailable` from ShardDatabases.
 */
export class EventRepository {
  constructor(private readonly dbs: ShardDatabases) {}

  async insert(event: NewEventRecord): Promise<EventRecord> {
    return this.dbs.runForKey(event.id, async (db) => {
      const [row] = await db<EventRow>(TABLE)
        .insert({
          id: event.id,
          organizer_id: event.organizerId,
          title: event.title,
          description: event.description,
          venue: event.venue,
          starts_at: event.startsAt,
          capacity: event.capacity,
          status: event.status,
        })
        .returning('*');
      return toRecord(row as EventRow);
    });
  }

  /** The event as the primary has it now (never the cache). */
  async findById(id: string): Promise<EventRecord | undefined> {
    return this.dbs.runForKey(id, (db) => findEvent(db, id));
  }

  /** The event for display: may come from a replica, never older than the caller's own writes. */
  async findForDisplay(id: string): Promise<EventRecord | undefined> {
    return this.dbs.readForKey(id, (db) => findEvent(db, id));
  }

  /**
   * One conditional UPDATE: it applies only if the event exists, belongs to the organizer, is not
   * cancelled, has one of the expected versions, and (when capacity changes) has sold no more
   * seats than the new capacity. Checking all of that in the WHERE clause, not in a read before
   * the write, is what makes two concurrent updates of one version unable to both win.
   * Returns undefined when nothing matched; the caller finds out why.
   */
  async updateIf(
    id: string,
    changes: EventChanges,
    conditions: UpdateConditions,
  ): Promise<EventRecord | undefined> {
    return this.dbs.runForKey(id, async (db) => {
      // Untyped builder: the SET list mixes values with SQL (version + 1) that EventRow can't describe.
      const query = db(TABLE)
        .where({ id, organizer_id: conditions.organizerId })
        .whereNot({ status: 'cancelled' });
      if (conditions.versions) query.whereIn('version', [...conditions.versions]);
      if (changes.capacity !== undefined) query.where('seats_sold', '<=', changes.capacity);
      const rows = await query
        .update({
          ...toColumns(changes),
          version: db.raw('version + 1'),
          updated_at: db.fn.now(),
        })
        .returning('*');
      const row = rows[0] as EventRow | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  /**
   * One page of the listing from every shard in parallel: each shard's first `limit` listed
   * events after the position, in (startsAt, id) order. A shard that is down or slower than
   * `timeoutMs` is named in `unavailableShards`; the others' pages are kept. Any other error is
   * a bug, not an outage, and is thrown rather than dressed up as a partial page.
   */
  async listPageOnEveryShard(query: ListingQuery, timeoutMs: number): Promise<ListingPages> {
    // A page for display: each shard's part may come from one of its replicas (readOn).
    const page = pageStatement(query);
    const results = await this.dbs.scatterReads(
      async (db) =>
        (
          await queryPrepared<EventRow>(db, page.name, page.text, page.values, {
            types: timestamptzAsIsoText,
          })
        ).map(toRecord),
      {
        timeoutMs,
      },
    );
    const pages: EventRecord[][] = [];
    const unavailableShards: string[] = [];
    for (const result of results) {
      if (result.ok) pages.push(result.value);
      else if (isAppError(result.error) && result.error.code === 'shard_unavailable') {
        unavailableShards.push(result.shard.name);
      } else throw result.error;
    }
    return { pages, unavailableShards };
  }
}

/** The shards' pages of one listing request, and the shards that did not answer in time. */
export interface ListingPages {
  pages: EventRecord[][];
  unavailableShards: string[];
}

async function findEvent(db: Knex, id: string): Promise<EventRecord | undefined> {
  const row = await db<EventRow>(TABLE).where({ id }).first();
  return row ? toRecord(row as EventRow) : undefined;
}

/**
 * The listing reads up to `shards × (limit + 1)` rows per request. Its timestamps are read as
 * ISO text (`timestamptzAsIsoText`): parsing each into a Date only to print it again cost more
 * than the query's own parsing, and formatting them in SQL (`to_char`) made each shard's query
 * ≈ 70 % dearer for Postgres (docs/performance.md, "Timestamps as
 * text").
 */
const LISTED_COLUMNS =
  'id, organizer_id, title, description, venue, starts_at, capacity, seats_sold, status, version, image_version, has_image, created_at, updated_at';

/**
 * A shard's page, as a prepared statement (one per combination of the optional bounds, so each
 * keeps its own plan): built once per listing and run on every shard.
 */
function pageStatement(query: ListingQuery): { name: string; text: string; values: unknown[] } {
  const conditions = ["status <> 'draft'"];
  const values: unknown[] = [];
  const bind = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  let variant = 0;
  if (query.from) {
    conditions.push(`starts_at >= ${bind(query.from, 'timestamptz')}`);
    variant |= 1;
  }
  if (query.to) {
    conditions.push(`starts_at < ${bind(query.to, 'timestamptz')}`);
    variant |= 2;
  }
  if (query.after) {
    // A row comparison, so Postgres walks the (starts_at, id) index from the cursor: no OFFSET.
    const at = bind(query.after.startsAt, 'timestamptz');
    conditions.push(`(starts_at, id) > (${at}, ${bind(query.after.id, 'uuid')})`);
    variant |= 4;
  }
  const limit = bind(query.limit, 'int');
  const text = `select ${LISTED_COLUMNS} from ${TABLE} where ${conditions.join(' and ')} order by starts_at, id limit ${limit}`;
  return { name: `events_listing_page_${variant}`, text, values };
}
