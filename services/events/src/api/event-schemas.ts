import { z } from 'zod';
import { EVENT_STATUSES, isSupportedInstant } from '../domain';

/** Postgres text cannot hold NUL; refusing it here keeps it a 400 instead of a failed INSERT. */
const noNul = (text: string) => !text.includes('\u0000');

const label = z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL characters');
const description = z.string().max(5000).refine(noNul, 'must not contain NUL characters');
const capacity = z.number().int().min(1).max(1_000_000);

/** An ISO 8601 instant with a zone ("Z" or "+02:00"); kept to milliseconds like everything stored. */
const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine(isSupportedInstant, 'must be between 1970 and 9999 (UTC)');
const futureInstant = instant.refine((date) => date.getTime() > Date.now(), 'must be in the future');

/** POST /api/events. Strict: an unknown field is a 400, not silently dropped. */
export const createEventBody = z.strictObject({
  title: label,
  venue: label,
  startsAt: futureInstant,
  capacity,
  description: description.default(''),
});

/** PATCH /api/events/:id: any of the fields, at least one. */
export const updateEventBody = z
  .strictObject({
    title: label.optional(),
    venue: label.optional(),
    startsAt: futureInstant.optional(),
    capacity: capacity.optional(),
    description: description.optional(),
    status: z.enum(EVENT_STATUSES).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1).max(100));

/** GET /api/events. Unknown parameters are ignored (cache busters are common in query strings). */
export const listEventsQuery = z
  .object({
    limit: limit.default(20),
    cursor: z.string().optional(),
    from: instant.optional(),
    to: instant.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from.getTime() < q.to.getTime(), {
    message: 'must be after from',
    path: ['to'],
  });
