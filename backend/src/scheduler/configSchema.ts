import { z } from 'zod';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const SchedulerConfig = z.object({
  enabled: z.boolean().default(true),
  interval_minutes: z.number().int().min(1, 'interval_minutes must be >= 1').default(60),
  schedule_time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'schedule_time must match HH:MM (00:00-23:59)')
    .nullable()
    .or(z.literal(''))
    .default('03:00'),
  schedule_days: z
    .array(z.enum(DAYS, { errorMap: () => ({ message: 'schedule_days entries must be one of mon tue wed thu fri sat sun' }) }))
    .default([...DAYS]),
  auto_download_after_rescan: z.boolean().default(false),
});
