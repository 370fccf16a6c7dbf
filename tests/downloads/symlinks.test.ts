import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, findItem, listFiles, queue, startEnv, status, waitFor, type Env } from './helpers.js';

// Writes follow real paths: a series folder or a partial file linked out of the library is refused
// (the item fails with the reason, nothing lands outside), unless the link leads into a folder
// listed in extra_library_roots (NAS users link series folders onto other disks).
let env: Env;
let mp4: string;
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-outside-'));

beforeAll(async () => {
  [env, mp4] = await Promise.all([startEnv(), makeMp4({ seconds: 3, width: 320, height: 180 })]);
});
afterAll(async () => {
  await env?.close();
  fs.rmSync(outside, { recursive: true, force: true });
});

/** Replaces a series folder by a link to `target` (created), as a user moving it to another disk would. */
function linkFolder(folder: string, target: string) {
  fs.mkdirSync(target, { recursive: true });
  for (const f of fs.readdirSync(folder)) fs.renameSync(path.join(folder, f), path.join(target, f));
  fs.rmdirSync(folder);
  fs.symlinkSync(target, folder);
}

describe('symbolic links in the library', () => {
  it('a series folder linked outside fails its download with the reason; under an extra library root it works', async () => {
    const embed = env.hosters.embed('SendVid', { mp4 });
    const folder = await addSeries(env, 'linked', 'Linked', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: embed }] },
    ]);
    const disk2 = path.join(outside, 'disk2');
    const target = path.join(disk2, 'Linked (2020)');
    linkFolder(folder, target);
    const before = listFiles(target);

    const [id] = (await queue(env, 'linked', [1])).added_items;
    const failed = await waitFor(env, id!, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(
      `the series folder ${folder} leads to ${fs.realpathSync(target)}, outside the library folder and extra_library_roots`,
    );
    // nothing was written through the link, and the hoster was never asked
    expect(listFiles(target)).toEqual(before);
    expect(env.hosters.log.filter((l) => l.embed === embed.match(/e\d+/)![0])).toHaveLength(0);

    // the other disk listed as an extra root: the same link works
    const put = await env.api.put('/api/config', { extra_library_roots: [disk2] });
    expect(put.status, put.text).toBe(200);
    expect(put.body.extra_library_roots).toEqual([disk2]);
    const retry = await env.api.post('/api/queue/retry', { item_ids: [id] });
    expect(retry.status, retry.text).toBe(200);
    const done = await waitFor(env, id!, ['failed', 'completed']);
    expect(done).toMatchObject({ status: 'completed', error: null });
    const placed = listFiles(target).filter((f) => f.endsWith('.mp4'));
    expect(placed).toEqual(['Linked - S01E01 - Episode 1.mp4']);
    expect(fs.readFileSync(path.join(target, placed[0]!)).equals(fs.readFileSync(mp4))).toBe(true);
    expect(fs.lstatSync(folder).isSymbolicLink()).toBe(true);

    // a relative or system path is no extra root
    for (const bad of ['relative/disk', '/etc', '/']) {
      const res = await env.api.put('/api/config', { extra_library_roots: [bad] });
      expect(res.status, bad).toBe(422);
    }
  });

  it('a partial file that is a link is refused: the item fails, the file it points to is untouched', async () => {
    const embed = env.hosters.embed('SendVid', { mp4 });
    const folder = await addSeries(env, 'partlink', 'Part Link', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: embed }] },
    ]);
    const victim = path.join(outside, 'victim.bin');
    fs.writeFileSync(victim, 'keep me');
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    const [id] = (await queue(env, 'partlink', [1])).added_items;
    const partDir = path.join(folder, '.part', id!, 'SendVid-german_dub');
    fs.mkdirSync(partDir, { recursive: true });
    fs.symlinkSync(victim, path.join(partDir, 'download.mp4'));
    expect((await env.api.post('/api/queue/start')).status).toBe(200);

    const item = await waitFor(env, id!, ['failed', 'completed']);
    expect(item.status).toBe('failed');
    expect(item.error).toContain('is a symbolic link; partial downloads are never written through a link');
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(findItem(await status(env), id!)?.file_path).toBeNull();
    // the link itself went with the item's partial files; the file it pointed to stayed
    expect(fs.existsSync(path.join(folder, '.part'))).toBe(false);
    expect(fs.existsSync(victim)).toBe(true);
  });
});
