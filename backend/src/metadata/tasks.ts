import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { AppError, Conflict, isPermanent } from '../errors.js';
import { batchReason, reportBatchItem } from './batch.js';
import { ALL_MEDIA, writeEpisodeMetadata, writeSeriesMetadata, type MetadataCtx } from './service.js';

/**
 * Graphile Worker tasks of the metadata domain (the contract other domains use):
 *
 * - `nfo_create` `{key, overwrite?: boolean, download_media?: boolean}`: tvshow.nfo, artwork and the
 *   NFOs of the episode videos already in the folder. Without `overwrite` an existing tvshow.nfo is
 *   left alone. Batch jobs also carry `{batch_id, position}` and report into the batch.
 *   The library adds it when a series is added: use `queueSeriesNfo(deps, key, conn?)`.
 * - `nfo_episode` `{series_key, season, episode, video_path}` (absolute path of the placed video):
 *   `<video>.nfo` and `<video>-thumb.jpg`; a no-op when config `nfo.episode_nfo_on_download` is
 *   off or no TMDB key is set. Downloads add it after placing a file.
 *
 * Both are idempotent: files are only rewritten when their bytes change.
 */

const CreatePayload = JOB_PAYLOADS.nfo_create;
const EpisodePayload = JOB_PAYLOADS.nfo_episode;

/** Problems a retry cannot fix: report them and finish the job. */

export const tasks: TaskFactory = (deps: MetadataCtx & Pick<Deps, 'bus'>) => ({
  nfo_create: async (raw) => {
    const p = CreatePayload.parse(raw);
    const log = deps.log.child({ module: 'nfo', task: 'nfo_create', key: p.key });
    const media = p.download_media ?? deps.settings.get().nfo.download_artwork;
    const batch = p.batch_id !== undefined && p.position !== undefined ? { id: p.batch_id, position: p.position } : null;
    if (batch) await reportBatchItem(deps, batch.id, batch.position, { status: 'running', message: 'Creating NFO', nfo_path: null });
    try {
      if (!deps.tmdb.configured()) throw new AppError('unavailable', 'SERVICE_UNAVAILABLE', 'TMDB API key is not configured');
      const res = await writeSeriesMetadata(deps, p.key, {
        overwrite: p.overwrite,
        media: media ? ALL_MEDIA : { poster: false, logo: false, fanart: false },
        refreshMedia: false,
        episodes: true,
        userId: p.user_id ?? null,
      });
      const message = res.warnings.length
        ? `NFO created successfully (${res.warnings.length} warning(s): ${res.warnings.slice(0, 3).join('; ')})`
        : 'NFO created successfully';
      if (batch) await reportBatchItem(deps, batch.id, batch.position, { status: 'success', message, nfo_path: res.nfoPath });
      else
        await deps.bus.publish('nfo', 'nfo_complete', {
          serie_id: p.key,
          serie_folder: res.row.folder,
          success: true,
          message,
          nfo_path: res.nfoPath,
        });
    } catch (err) {
      const message = (err as Error).message;
      if (batch) {
        await reportBatchItem(deps, batch.id, batch.position, { status: 'failed', message, ...batchReason(err), nfo_path: null });
        return;
      }
      if (err instanceof Conflict) return; // present already and no overwrite: nothing to do
      log.warn({ err: message }, 'NFO creation failed');
      await deps.bus.publish('nfo', 'nfo_complete', { serie_id: p.key, success: false, message, nfo_path: null });
      if (!isPermanent(err)) throw err;
    }
  },

  nfo_episode: async (raw) => {
    const p = EpisodePayload.parse(raw);
    const log = deps.log.child({ module: 'nfo', task: 'nfo_episode', key: p.series_key });
    if (!deps.settings.get().nfo.episode_nfo_on_download) return;
    if (!deps.tmdb.configured()) {
      log.info('no TMDB key configured; episode NFO skipped');
      return;
    }
    try {
      const outcome = await writeEpisodeMetadata(deps, p.series_key, p.season, p.episode, p.video_path);
      log.info({ season: p.season, episode: p.episode, outcome }, 'episode NFO');
    } catch (err) {
      if (!isPermanent(err)) throw err;
      log.warn({ season: p.season, episode: p.episode, err: (err as Error).message }, 'episode NFO not written');
    }
  },
});
