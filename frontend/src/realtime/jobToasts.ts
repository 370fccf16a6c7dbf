/** A toast for every finished or failed job, whatever page is open. */
import { onMessage } from './socket.ts';
import { expireSession } from '../api/client.ts';
import { toast } from '../stores/toasts.ts';
import { t } from '../i18n/index.ts';
import type { RealtimeMessage } from '../api/types.ts';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function episodeLabel(d: Record<string, unknown>): string {
  const item = (d.item ?? {}) as Record<string, unknown>;
  const ep = (d.episode ?? item.episode ?? {}) as Record<string, unknown>;
  const name = str(d.serie_name ?? item.serie_name ?? d.name ?? d.folder ?? d.key ?? d.serie_id);
  const season = Number(ep.season ?? d.season);
  const episode = Number(ep.episode ?? d.episode_number ?? (typeof d.episode === 'number' ? d.episode : NaN));
  const se = Number.isFinite(season) && Number.isFinite(episode) ? ` S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}` : '';
  return `${name}${se}`.trim();
}

export function installJobToasts(): () => void {
  const offs = [
    // the server ends the socket of a revoked or expired session; a token it no longer accepts connects unauthenticated
    onMessage('error', (m) => { if (m.data.code === 'AUTHENTICATION_ERROR') expireSession(); }),
    onMessage('connected', (m) => { if (m.data.authenticated === false) expireSession(); }),
    onMessage('download_complete', (m: RealtimeMessage) => toast(t('toast.downloadComplete', { what: episodeLabel(m.data) }), 'success')),
    onMessage('download_failed', (m) => toast(t('toast.downloadFailed', { what: episodeLabel(m.data), reason: str(m.data.error ?? m.data.message) }), 'error')),
    onMessage('scan_complete', () => toast(t('toast.scanComplete'), 'success')),
    onMessage('nfo_complete', (m) => toast(t('toast.nfoComplete', { what: str(m.data.serie_folder ?? m.data.serie_id ?? '') }), 'success')),
    onMessage('task_complete', (m) => toast(t('toast.taskComplete', { what: str(m.data.name ?? m.data.task) }), 'success')),
    onMessage('task_failed', (m) => toast(t('toast.taskFailed', { what: str(m.data.name ?? m.data.task), reason: str(m.data.error ?? m.data.message) }), 'error')),
    onMessage('watchlist_new_episodes', (m) => toast(t('toast.newEpisodes', { what: str(m.data.anime_title ?? m.data.title ?? '') }), 'info')),
    onMessage('watchlist_check_complete', (m) => toast(t('toast.watchlistChecked', { what: str(m.data.anime_title ?? m.data.title ?? '') }), 'info')),
  ];
  return () => offs.forEach((off) => off());
}
