import { z } from 'zod';
import { NotifyEventType } from './configSchema.js';

/**
 * What every channel receives. The generic webhook POSTs exactly this JSON (README, "Notifications");
 * the other channels show `title` and `message`.
 */
export const NotifyEvent = z.object({
  event: z.union([NotifyEventType, z.literal('test')]).describe('what happened'),
  timestamp: z.string().describe('when (ISO 8601, UTC)'),
  title: z.string().describe('one line, e.g. "Downloaded: Frieren S01E02"'),
  message: z.string().describe('a few lines for people'),
  data: z.record(z.unknown()).describe('the facts, by event: series_key, series_name, season, episode, file, bytes, error, ...'),
});
export type NotifyEvent = z.infer<typeof NotifyEvent>;

export const episodeCode = (season: number, episode: number) => `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
