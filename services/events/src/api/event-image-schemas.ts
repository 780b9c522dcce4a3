/** GET /api/events/:id/image's query, from the HTTP contract (see event-schemas.ts). */
export { thumbnailQuery } from '@boxoffice/contracts';
