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
 * Highest `page` any list takes: with per_page at most 500 the offset stays below 500,000,000, inside
 * PostgreSQL's int4 (2,147,483,647), so a huge page is a 422 naming the field, never a 500.
 */
export const MAX_PAGE = 1_000_000;

const perPage = (dflt: number) =>
  z.coerce
    .number()
    .int('per_page must be a whole number')
    .min(1, 'per_page must be at least 1')
    .max(MAX_PER_PAGE, `per_page must be at most ${MAX_PER_PAGE}`)
    .default(dflt)
    .describe(`items per page, at most ${MAX_PER_PAGE}`);

/** `page` of every paged list (one schema: tests/core/paging.test.ts checks each list uses it). */
export const PageNumber = z.coerce
  .number()
  .int('page must be a whole number')
  .min(1, 'page must be at least 1')
  .max(MAX_PAGE, `page must be at most ${MAX_PAGE}`)
  .default(1)
  .describe(`page number, from 1 to ${MAX_PAGE}`);

/**
 * The paging convention of every list that can grow: optional `page` (1 to 1,000,000) and
 * `per_page` (1 to 500, default 500). Without them a caller gets the first 500; the total is always
 * reported (an `X-Total-Count` header for lists that are a bare array, counts in the envelope
 * otherwise), so a client can tell there is more. `pageQuery(20)` is the same with another default
 * page size (the library's, as the spec says).
 */
export const pageQuery = (defaultPerPage: number = MAX_PER_PAGE) => z.object({ page: PageNumber, per_page: perPage(defaultPerPage) });
export const PageQuery = pageQuery();
export type Page = z.infer<typeof PageQuery>;

export const StatusMessage = z.object({ status: z.string(), message: z.string() });
export const MessageOnly = z.object({ message: z.string() });

/** Largest value of a PostgreSQL `integer` (int4) column. */
export const INT4_MAX = 2_147_483_647;

/** A path id of an `integer`/`serial` column (users, API keys): 1 to 2,147,483,647, else a 422. */
export const Int4Id = z.coerce
  .number()
  .int('id must be a whole number')
  .positive('id must be at least 1')
  .max(INT4_MAX, `id must be at most ${INT4_MAX}`)
  .describe(`1 to ${INT4_MAX}`);

/**
 * A path id of a `bigint`/`bigserial` column (blocklist entries): 1 to 2^53 - 1, the integers a
 * JSON number carries exactly (the column's own range is wider, but no row gets there), else a 422.
 */
export const BigintId = z.coerce
  .number()
  .int('id must be a whole number')
  .positive('id must be at least 1')
  .max(Number.MAX_SAFE_INTEGER, `id must be at most ${Number.MAX_SAFE_INTEGER}`)
  .describe(`1 to ${Number.MAX_SAFE_INTEGER}`);
