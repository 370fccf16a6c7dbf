import type { Context } from 'koa';
import { sql } from '../db/pool.js';
import type { Page } from './schema.js';

/**
 * The paging convention's helpers (README "Paging"): every growing list answers one page and its
 * total. The total always travels in `X-Total-Count`; envelopes carry it in their body as well.
 */
export function setTotal(ctx: Context, total: number): void {
  ctx.set('X-Total-Count', String(total));
}

/** One page of a list that is already in memory (read from a folder, say). */
export function pageOf<T>(all: readonly T[], p: Page): T[] {
  const start = (p.page - 1) * p.per_page;
  return all.slice(start, start + p.per_page);
}

/** `limit … offset …` of one page, for a repo query. */
export const pageSql = (p: Page) => sql.fragment`limit ${p.per_page} offset ${(p.page - 1) * p.per_page}`;
