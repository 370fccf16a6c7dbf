/** What every channel receives (rules/notifyEvent.ts: the job map's `notify_send` carries it too). */
export { NotifyEvent } from '../rules/notifyEvent.js';

export const episodeCode = (season: number, episode: number) => `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
