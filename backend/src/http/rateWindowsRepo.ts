import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** The `rate_windows` table: the request counters every web process shares (http/sharedLimits.ts holds the logic). */

/**
 * Counts one hit on the key's fixed window of `windowSeconds` (a window that ended starts over at
 * 1); answers the hits so far and the seconds left in the window.
 */
export const hitRateWindow = (c: Conn, key: string, windowSeconds: number) =>
  c.one(sql.type(z.object({ hits: z.number(), wait: z.number() }))`
      insert into rate_windows (key, hits, reset_at) values (${key}, 1, now() + make_interval(secs => ${windowSeconds}))
      on conflict (key) do update set
        hits = case when rate_windows.reset_at <= now() then 1 else rate_windows.hits + 1 end,
        reset_at = case when rate_windows.reset_at <= now() then now() + make_interval(secs => ${windowSeconds}) else
          rate_windows.reset_at end
      returning hits, ceil(extract(epoch from reset_at - now()))::int as wait`);

/** Forgets the windows that ended over a minute ago. */
export const sweepRateWindows = (c: Conn) => c.query(sql.unsafe`delete from rate_windows where reset_at < now() - interval '1 minute'`);
