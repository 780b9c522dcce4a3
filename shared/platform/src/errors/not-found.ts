import { AppError } from './app-error';

/**
 * The one 404 for "this id names nothing": an unknown id, someone else's record, and a malformed
 * id all get exactly this, so a client cannot tell them apart (nothing leaks). The id is echoed
 * cut to 64 characters, so a 2000-character junk id is not sent back whole.
 */
export function notFound(entity: string, id: string): AppError {
  return new AppError('not_found', `No such ${entity}`, { details: { id: id.slice(0, 64) } });
}
