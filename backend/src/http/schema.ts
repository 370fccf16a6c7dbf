import { z } from 'zod';

export const ErrorEnvelope = z.object({
  success: z.literal(false),
  error: z.string(),
  message: z.string(),
  details: z.record(z.unknown()),
  request_id: z.string(),
});

/** Most items one page of any growing list carries (also when the caller asks for no page). */
export const MAX_PER_PAGE = 500;

/**
 * The paging convention of every list that can grow: optional `page` (from 1) and `per_page`
 * (1 to 500, default 500). Without them a caller gets the first 500; the total is always
 * reported (an `X-Total-Count` header for lists that are a bare array, counts in the envelope
 * otherwise), so a client can tell there is more.
 */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('page number, from 1'),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(MAX_PER_PAGE).describe(`items per page, at most ${MAX_PER_PAGE}`),
});
export type Page = z.infer<typeof PageQuery>;

export const StatusMessage = z.object({ status: z.string(), message: z.string() });
export const MessageOnly = z.object({ message: z.string() });
