import { z } from 'zod';
import { NOTIFY_EVENTS } from './notifyEventTypes.js';

/**
 * What a notification channel receives: the event names (listed in notifyEventTypes.ts, which the UI
 * imports) and the message (the generic webhook POSTs exactly this JSON: README, "Notifications").
 * One definition for the notifications part, its settings and the `notify_send` job's payload
 * (worker/jobs.ts).
 */
export { NOTIFY_EVENTS };
export const NotifyEventType = z.enum(NOTIFY_EVENTS);
export type NotifyEventType = z.infer<typeof NotifyEventType>;

/** The message; the channels other than the generic webhook show `title` and `message`. */
export const NotifyEvent = z.object({
  event: z.union([NotifyEventType, z.literal('test')]).describe('what happened'),
  timestamp: z.string().describe('when (ISO 8601, UTC)'),
  title: z.string().describe('one line, e.g. "Downloaded: Frieren S01E02"'),
  message: z.string().describe('a few lines for people'),
  data: z.record(z.unknown()).describe('the facts, by event: series_key, series_name, season, episode, file, bytes, error, ...'),
});
export type NotifyEvent = z.infer<typeof NotifyEvent>;
