import { z } from 'zod';

export const HistoryConfig = z.object({
  /** Days the history keeps (null: forever); the daily housekeeping removes older events. */
  retention_days: z.number().int().min(1).max(36500).nullable().default(null),
});
