import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHls, makeMp4, type HlsMedia } from '../fakes/media.js';
import { addSeries, findItem, listFiles, queue, startEnv, status, waitFor, type Env } from './helpers.js';

let env: Env;
let mp4: string;
let hls: HlsMedia;
let hlsAes: HlsMedia;

beforeAll(async () => {
  [mp4, hls, hlsAes] = await Promise.all([makeMp4(), makeHls(), makeHls({ aes: true, explicitIv: false })]);
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

function probe(file: string) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { encoding: 'utf8' }));
}

describe('add → queue → download → verify → place', () => {
  it('downloads an MP4 and an AES-128 HLS episode, places them under the template name and marks them downloaded', async () => {
    const h = env.hosters;
    const folder = await addSeries(env, 'demo-show', 'Demo Show', [
      { episode: 1, title: 'Der Anfang', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: h.embed('Vidoza', { mp4 }) }] },
      { episode: 2, title: 'Das Ende', sources: [{ lang: 1, hoster: 'VOE', embedUrl: h.embed('VOE', { hls: hlsAes }) }] },
      { episode: 3, title: 'Später', sources: [{ lang: 1, hoster: 'Vidmoly', embedUrl: h.embed('Vidmoly', { hls }) }] },
    ]);
    const before = await env.api.get('/api/anime/demo-show');
    expect(before.status).toBe(200);

    const { added_items, failed_items } = await queue(env, 'demo-show', [1, 2]);
    expect(added_items).toHaveLength(2);
    expect(failed_items).toEqual([]);
    const [one, two] = await Promise.all(added_items.map((id) => waitFor(env, id, ['completed', 'failed'])));
    expect(one.error).toBeNull();
    expect(two.error).toBeNull();
    expect(one).toMatchObject({ status: 'completed', hoster: 'Vidoza', language: 'german_dub', retry_count: 0 });
    expect(two).toMatchObject({ status: 'completed', hoster: 'VOE' });

    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([
      'Demo Show - S01E01 - Episode 1.mp4',
      'Demo Show - S01E02 - Episode 2.mkv',
    ]);
    const mkv = probe(path.join(folder, 'Demo Show - S01E02 - Episode 2.mkv'));
    expect(mkv.format.format_name).toContain('matroska');
    expect(mkv.streams.map((s: any) => s.codec_type).sort()).toEqual(['audio', 'video']);
    // the highest variant of the master playlist was chosen
    expect(mkv.streams.find((s: any) => s.codec_type === 'video').height).toBe(360);
    expect(Math.abs(Number(mkv.format.duration) - hlsAes.seconds)).toBeLessThan(0.2);
    expect(fs.readFileSync(path.join(folder, 'Demo Show - S01E01 - Episode 1.mp4')).equals(fs.readFileSync(mp4))).toBe(true);

    // the library knows: episodes 1 and 2 are no longer missing, 3 still is
    const series = await env.api.get('/api/anime/demo-show');
    const missing = JSON.stringify(series.body);
    expect(missing).not.toEqual(JSON.stringify(before.body));

    const st = await status(env);
    expect(st.statistics).toMatchObject({ completed_count: 2, failed_count: 0, pending_count: 0, active_count: 0 });
    expect(st.statistics.total_downloaded_mb).toBeGreaterThan(0);
    expect(st.statistics.average_speed_mbps).toBeGreaterThan(0);

    const types = env.events.map((e) => e.type);
    for (const t of ['download_added', 'download_progress', 'download_complete', 'queue_status']) expect(types).toContain(t);
    const progress = env.events.filter((e) => e.type === 'download_progress').map((e) => e.data);
    expect(progress[0]).toHaveProperty('percent');
    expect(progress[0]).toHaveProperty('speed_mbps');
    expect(progress[0]).toHaveProperty('eta_seconds');
  });

  it('the same episode cannot be queued twice while pending or active', async () => {
    await env.api.post('/api/queue/stop');
    const first = await queue(env, 'demo-show', [3]);
    expect(first.added_items).toHaveLength(1);
    const again = await queue(env, 'demo-show', [3]);
    expect(again.added_items).toEqual([]);
    expect(again.failed_items).toEqual([{ season: 1, episode: 3, reason: expect.stringMatching(/already in the queue/) }]);
    const unknown = await env.api.post('/api/queue/add', { serie_id: 'nope', episodes: [{ season: 1, episode: 1 }] });
    expect(unknown.body.failed_items[0].reason).toMatch(/not in the library/);
    const bad = await env.api.post('/api/queue/add', { serie_id: 'demo-show', episodes: [], priority: 'URGENT' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.details)).toEqual(expect.arrayContaining(['body.episodes', 'body.priority']));

    await env.api.post('/api/queue/start');
    const done = await waitFor(env, first.added_items[0]!, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(findItem(await status(env), first.added_items[0]!).file_path).toMatch(/S01E03 - Episode 3\.mkv$/);
  });
});
