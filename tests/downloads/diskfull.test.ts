import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHls, makeMp4, type HlsMedia } from '../fakes/media.js';
import { addSeries, listFiles, queue, startEnv, waitFor, type Env } from './helpers.js';

/** A real full disk: a 1 MiB tmpfs as the anime directory (needs root; skipped without mount rights). */
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-tinyfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  mounted = false;
}
// also when the hooks do not run (every test filtered out)
process.once('exit', () => {
  if (!mounted) return;
  try {
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    fs.rmSync(mountPoint, { recursive: true, force: true });
  } catch {
    /* already unmounted */
  }
});

let env: Env;
let mp4: string;
let hls: HlsMedia;

beforeAll(async () => {
  if (!mounted) return;
  [mp4, hls] = await Promise.all([
    makeMp4({ seconds: 8, width: 640, height: 360 }),
    makeHls({ seconds: 6, heights: [360], bitrate: '2M' }),
  ]);
  env = await startEnv({ env: { ANIME_DIR: mountPoint } });
});
afterAll(async () => {
  await env?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  mounted = false;
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a full disk', () => {
  it('ENOSPC while writing fails the item with a clear error and leaves no partial file', async () => {
    const folder = await addSeries(env, 'full', 'Full', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidmoly', embedUrl: env.hosters.embed('Vidmoly', { hls }) }] },
    ]);
    const {
      added_items: [id],
    } = await queue(env, 'full', [1]);
    const item = await waitFor(env, id!, ['completed', 'failed']);
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/not enough disk space \(ENOSPC\)/);
    // fatal: the disk being full is not the hoster's fault, so it was not blamed on it
    expect(item.hoster_errors).toEqual([]);
    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([]);
  });

  it('an announced size larger than the free space fails before downloading', async () => {
    const embed = env.hosters.embed('Vidoza', { mp4 });
    const folder = await addSeries(env, 'big', 'Big', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: embed }] },
    ]);
    const {
      added_items: [id],
    } = await queue(env, 'big', [1]);
    const item = await waitFor(env, id!, ['completed', 'failed']);
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/not enough free disk space/);
    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([]);
  });
});
