import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSeries, listFiles, startEnv, type Env } from '../downloads/helpers.js';
import { scanDisk } from '../../backend/src/library/scanner.js';
import type { EpisodeInfo } from '../../frontend/src/api/types.ts';

/** `DELETE /api/anime/{key}?delete_files=true` removes only what the product put in the folder. */
let env: Env;
const ep = (episode: number) => ({ episode, title: `Folge ${episode}`, sources: [] });
const write = (p: string, body = 'x') => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, body);
};

beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('delete_files=true', () => {
  it('removes the episodes, NFOs, artwork and key file; keeps and lists everything else', async () => {
    const folder = await addSeries(env, 'mixed', 'Mixed', [ep(1), ep(2)]);
    write(path.join(folder, 'Season 01', 'Mixed - S01E01 - Folge 1.mkv'));
    write(path.join(folder, 'Season 01', 'Mixed - S01E01 - Folge 1.nfo'));
    write(path.join(folder, 'Season 01', 'Mixed - S01E01 - Folge 1-thumb.jpg'));
    write(path.join(folder, 'Mixed - S01E02.mp4'));
    for (const f of ['tvshow.nfo', 'poster.jpg', 'fanart.jpg', 'clearlogo.png', 'season01-poster.jpg']) write(path.join(folder, f));
    write(path.join(folder, '.part', 'some-item', 'segment.ts'));
    fs.mkdirSync(path.join(folder, 'Season 02'));
    // the user's own things
    write(path.join(folder, 'my notes.txt'), 'mine');
    write(path.join(folder, 'Extras', 'Making of.mkv'), 'mine');
    write(path.join(folder, 'Season 01', 'commentary.mka'), 'mine');
    const outside = path.join(env.srv.dataDir, 'outside.mkv');
    write(outside, 'not in the library');
    fs.symlinkSync(outside, path.join(folder, 'Mixed - S01E03.mkv')); // imported as an episode: the link goes, never its target
    await scanDisk(env.srv.deps, { force: true });
    const detail = (await env.api.get('/api/anime/mixed')).body;
    expect(detail.episode_list.filter((e: EpisodeInfo) => e.is_downloaded).map((e: EpisodeInfo) => e.episode)).toEqual([1, 2, 3]);

    const res = await env.api.del('/api/anime/mixed?delete_files=true');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      files_deleted: true,
      folder_removed: false,
      kept_files: ['Extras/Making of.mkv', 'Season 01/commentary.mka', 'my notes.txt'],
    });
    expect(listFiles(folder)).toEqual(['Extras/Making of.mkv', 'Season 01/commentary.mka', 'my notes.txt']);
    expect(fs.existsSync(path.join(folder, 'Season 02'))).toBe(false); // empty season folder
    expect(fs.existsSync(path.join(folder, '.part'))).toBe(false);
    expect(fs.readFileSync(outside, 'utf8')).toBe('not in the library');
    expect((await env.api.get('/api/anime/mixed')).status).toBe(404);
  });

  it("removes the folder when only the product's files were in it", async () => {
    const folder = await addSeries(env, 'clean', 'Clean', [ep(1)]);
    write(path.join(folder, 'Clean - S01E01.mkv'));
    write(path.join(folder, 'tvshow.nfo'));
    fs.mkdirSync(path.join(folder, 'Season 01'));
    await scanDisk(env.srv.deps, { force: true });
    const res = await env.api.del('/api/anime/clean?delete_files=true');
    expect(res.body).toMatchObject({ files_deleted: true, folder_removed: true, kept_files: [] });
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('without delete_files nothing on disk changes', async () => {
    const folder = await addSeries(env, 'keep', 'Keep', [ep(1)]);
    write(path.join(folder, 'Keep - S01E01.mkv'));
    const before = listFiles(folder);
    const res = await env.api.del('/api/anime/keep');
    expect(res.body).toMatchObject({ files_deleted: false, removed_files: 0, kept_files: [] });
    expect(listFiles(folder)).toEqual(before);
  });
});
