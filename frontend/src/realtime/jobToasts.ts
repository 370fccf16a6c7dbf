/** A toast for every finished or failed job, whatever page is open. */
import { onMessage } from './socket.ts';
import { codeMessage, downloadReason } from '../api/client.ts';
import { toast } from '../stores/toasts.ts';
import { t, has } from '../i18n/index.ts';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function episodeLabel(d: Record<string, unknown>): string {
  const item = (d.item ?? {}) as Record<string, unknown>;
  const ep = (d.episode ?? item.episode ?? {}) as Record<string, unknown>;
  const name = str(d.serie_name ?? item.serie_name ?? d.name ?? d.folder ?? d.key ?? d.serie_id);
  const season = Number(ep.season ?? d.season);
  const episode = Number(ep.episode ?? d.episode_number ?? (typeof d.episode === 'number' ? d.episode : NaN));
  const se =
    Number.isFinite(season) && Number.isFinite(episode) ? ` S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}` : '';
  return `${name}${se}`.trim();
}

/** A task's name in the user's language (the server sends its id: rescan, housekeeping, …). */
export function taskName(id: string): string {
  return has(`task.name.${id}`) ? t(`task.name.${id}`) : id;
}

/** Why a task or download failed: its code translated, else the server's text. */
function reasonOf(d: Record<string, unknown>): string {
  const text = str(d.error ?? d.message);
  return typeof d.code === 'string' && d.code ? codeMessage(d.code, text).replace('\n', ': ') : text;
}

/** A rescan's failures by code: "The provider site blocks this server (3)". */
export function scanFailureSummary(failures: unknown): string {
  const counts = new Map<string, number>();
  for (const f of Array.isArray(failures) ? failures : []) {
    const code = typeof (f as { code?: unknown })?.code === 'string' ? (f as { code: string }).code : 'SCAN_FAILED';
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, n]) => `${codeMessage(code)} (${n})`).join('; ');
}

export function installJobToasts(): () => void {
  const offs = [
    onMessage('download_complete', (m) => toast(t('toast.downloadComplete', { what: episodeLabel(m.data) }), 'success')),
    onMessage('download_failed', (m) =>
      toast(t('toast.downloadFailed', { what: episodeLabel(m.data), reason: downloadReason(m.data.code, str(m.data.error)) }), 'error'),
    ),
    onMessage('scan_complete', (m) => {
      const n = Number(m.data.failure_count ?? 0);
      if (n > 0) toast(t('toast.scanFailures', { n, reasons: scanFailureSummary(m.data.failures) }), 'error');
      else toast(t('toast.scanComplete'), 'success');
    }),
    onMessage('nfo_complete', (m) => {
      const d = m.data;
      // a batch's end carries its totals; a single series its name
      if ('batch_id' in d)
        toast(t('nfoBatch.finished', { successful: d.successful, failed: d.failed, skipped: d.skipped }), d.failed ? 'error' : 'success');
      else toast(t('toast.nfoComplete', { what: d.serie_folder ?? d.serie_id }), 'success');
    }),
    onMessage('task_complete', (m) => toast(t('toast.taskComplete', { what: taskName(m.data.task) }), 'success')),
    onMessage('task_failed', (m) => toast(t('toast.taskFailed', { what: taskName(m.data.task), reason: reasonOf(m.data) }), 'error')),
    onMessage('watchlist_new_episodes', (m) => toast(t('toast.newEpisodes', { what: m.data.anime_title }), 'info')),
    onMessage('watchlist_check_complete', (m) => toast(t('toast.watchlistChecked', { what: m.data.anime_title }), 'info')),
  ];
  return () => offs.forEach((off) => off());
}
