import type { Request } from 'express';
import { notFound } from '../errors/not-found';
import { isUuid } from '../uuid';

/**
 * An id path parameter (`/api/events/:id`), lower-cased. Every id is a UUID, so anything else
 * names nothing: the same 404 as an unknown id, thrown before any query (and before routing to a
 * shard, which needs a hex prefix). A parameter that is not even valid percent-encoding never
 * gets here: the router fails to decode it and the error middleware answers the same 404.
 */
export function idParam(req: Request, entity: string, name = 'id'): string {
  const value: unknown = req.params[name];
  const id = typeof value === 'string' ? value : '';
  if (!isUuid(id)) throw notFound(entity, id);
  return id.toLowerCase();
}
