import { z } from 'zod';
import { THUMBNAIL_WIDTHS } from '../domain';

const widths = THUMBNAIL_WIDTHS.map(String) as [string, ...string[]];

/**
 * GET /api/events/:id/image. `w` from a fixed list (default 640); `v` is the image version the
 * event's imageUrl names: a URL with a version is immutable, one without is "the current image".
 */
export const thumbnailQuery = z.strictObject({
  w: z
    .enum(widths, { error: `must be one of ${widths.join(', ')}` })
    .default('640')
    .transform(Number),
  v: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive image version')
    .transform(Number)
    .optional(),
});
