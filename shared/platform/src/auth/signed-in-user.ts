import type { Response } from 'express';
import { AppError } from '../errors/app-error';
import { isUuid } from '../uuid';

/**
 * The id of the user signed in for this request, as `requireIdentity` verified it, lower-cased.
 * User ids are UUIDs; a route without `requireIdentity`, or an identity naming anything else,
 * is a request this service cannot act for: 401 `unauthenticated`.
 */
export function signedInUser(res: Response): string {
  const userId: unknown = res.locals.userId;
  if (typeof userId !== 'string' || !isUuid(userId)) throw new AppError('unauthenticated', 'Sign in first');
  return userId.toLowerCase();
}
