import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFfmpeg, judgeVersion } from '../../backend/src/downloads/ffmpeg.js';
import { oldFfmpeg } from '../fakes/oldFfmpeg.js';
import { client } from '../helpers/http.js';
import { addSeries, queue, startEnv, status, type Env } from './helpers.js';

describe('which ffmpeg counts as current (5 or newer)', () => {
  it('judges releases by their major number and git snapshots by their year', () => {
    expect(judgeVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers')).toEqual({
      version: '5.1.9-0+deb12u1',
      current: true,
    });
    expect(judgeVersion('ffmpeg version n7.1 Copyright (c) 2000-2024 the FFmpeg developers').current).toBe(true);
    expect(judgeVersion('ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers').current).toBe(false);
    // the build @ffmpeg-installer shipped (2018)
    expect(
      judgeVersion(
        'ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers',
      ),
    ).toEqual({ version: 'N-47683-g0e8eb07980-static', current: false });
    expect(judgeVersion('ffmpeg version N-118000-gabc Copyright (c) 2000-2025 the FFmpeg developers').current).toBe(true);
    expect(judgeVersion('something else').current).toBe(false);
  });

  it("this machine's ffmpeg (the suite needs a current one) passes", async () => {
    const info = await checkFfmpeg({});
    expect(info.status, info.message).toBe('ok');
  });

  it('a missing binary is named', async () => {
    const info = await checkFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', FFPROBE_PATH: '/nonexistent/ffprobe' });
    expect(info).toMatchObject({ status: 'missing', ffmpeg_version: null });
    expect(info.message).toMatch(/ffmpeg and ffprobe not found/);
  });
});

describe('the product with an outdated ffmpeg', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({ env: oldFfmpeg() });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('starts, warns in /health/detailed naming the version found, and starts no download', async () => {
    const anon = client(env.srv.url);
    expect((await anon.get('/health')).status).toBe(200);
    await env.srv.deps.ffmpeg.checked();
    const anonHealth = await anon.get('/health/detailed');
    expect(anonHealth.status).toBe(200);
    expect(anonHealth.body.warnings).toEqual([{ code: 'FFMPEG_UNSUITABLE', message: expect.any(String) }]);
    expect(anonHealth.body.dependencies.ffmpeg).toBeUndefined(); // the version and paths are for logged-in callers
    const health = await env.api.get('/health/detailed');
    expect(health.status).toBe(200);
    expect(health.body.dependencies.ffmpeg).toMatchObject({ status: 'too_old', ffmpeg_version: '4.4.2-0ubuntu0.22.04.1' });
    expect(health.body.warnings).toEqual([
      { code: 'FFMPEG_UNSUITABLE', message: expect.stringMatching(/found ffmpeg 4\.4\.2.*downloads are disabled.*FFmpeg 5/) },
    ]);
    expect(env.srv.logs()).toMatch(/found ffmpeg 4\.4\.2/);

    await addSeries(env, 'oldff', 'Old FF', [{ episode: 1, title: 'Eins' }]);
    const {
      added_items: [id],
    } = await queue(env, 'oldff', [1]);
    // start dispatches before it answers: with a usable ffmpeg the item would be claimed by now
    expect((await env.api.post('/api/queue/start')).status).toBe(200);
    const s = (await status(env)).status;
    expect(s.is_running).toBe(true);
    expect(s.pending_queue.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(s.active_downloads).toEqual([]);
  });
});
