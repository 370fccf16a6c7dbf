import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { z } from 'zod';
import { runRescan } from '../../backend/src/library/rescan.js';
import { makeMp4 } from '../fakes/media.js';
import { startFakeJellyfin, startFakeKodi, startFakePlex, startReceiver, type FakeReceiver } from '../fakes/receiver.js';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.js';
import { addSeries, queue, startEnv, waitFor, type Env } from '../downloads/helpers.js';
import { until } from '../helpers/poll.js';

let env: Env;
let mp4: string;
let hooks: FakeReceiver;
let kodi: FakeReceiver;
let jellyfin: FakeReceiver;
let plex: FakeReceiver;
let smtp: FakeSmtp;

const SECRETS = [
  's3cret-generic',
  's3cret-discord',
  's3cret-ntfy',
  's3cret-gotify',
  's3cret-apprise',
  's3cret-mail',
  's3cret-kodi',
  's3cret-jelly',
  's3cret-plex',
];

const count = (task: string) =>
  env.srv.deps.db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = ${task} and j.attempts < j.max_attempts`);

/** Until every waiting job of these tasks ran (or gave up): then nothing more will arrive. */
async function drained(...tasks: string[]) {
  await until(async () => (await Promise.all(tasks.map(count))).every((n) => n === 0), `${tasks.join(', ')} without waiting jobs`, 60_000);
}

const ep = (episode: number) => ({
  episode,
  title: `Folge ${episode}`,
  sources: [{ lang: 1 as const, hoster: 'SendVid', embedUrl: env.hosters.embed('SendVid', { mp4 }) }],
});

beforeAll(async () => {
  mp4 = await makeMp4();
  [hooks, kodi, jellyfin, plex, smtp] = await Promise.all([
    startReceiver(),
    startFakeKodi(),
    startFakeJellyfin('s3cret-jelly'),
    startFakePlex('s3cret-plex', [{ key: '7', path: '/data/anime' }]),
    startFakeSmtp(),
  ]);
  env = await startEnv();
  const put = await env.api.put('/api/config', {
    notifications: {
      webhooks: [
        {
          id: 'hook',
          type: 'generic',
          url: `${hooks.url}/generic?token=s3cret-generic`,
          events: ['download_completed', 'download_failed'],
        },
        { id: 'disc', name: 'Discord', type: 'discord', url: `${hooks.url}/discord/123/s3cret-discord`, events: ['download_completed'] },
        { id: 'ntfy', type: 'ntfy', url: `${hooks.url}/ntfy/aniworld`, token: 's3cret-ntfy', events: ['download_completed'] },
        { id: 'gotify', type: 'gotify', url: `${hooks.url}/gotify`, token: 's3cret-gotify', events: ['download_completed'] },
        {
          id: 'apprise',
          type: 'apprise',
          url: `${hooks.url}/apprise/notify`,
          token: 'tgram://s3cret-apprise/1',
          events: ['download_completed'],
        },
        {
          id: 'mail',
          type: 'email',
          events: ['download_completed'],
          email: {
            host: '127.0.0.1',
            port: smtp.port,
            username: 'aniworld',
            password: 's3cret-mail',
            from: 'aniworld@example.org',
            to: ['me@example.org'],
          },
        },
        {
          id: 'trouble',
          type: 'generic',
          url: `${hooks.url}/trouble`,
          events: ['download_failed', 'new_episodes', 'rescan_errors', 'health_problem', 'backup_failed', 'disk_space_low'],
        },
      ],
    },
    media_servers: {
      batch_seconds: 0,
      servers: [
        {
          id: 'kodi',
          type: 'kodi',
          url: kodi.url,
          username: 'kodi',
          password: 's3cret-kodi',
          path_map: [{ from: env.srv.animeDir, to: 'smb://nas/anime' }],
        },
        {
          id: 'jelly',
          type: 'jellyfin',
          url: jellyfin.url,
          token: 's3cret-jelly',
          path_map: [{ from: env.srv.animeDir, to: 'D:\\Anime' }],
        },
        { id: 'plex', type: 'plex', url: plex.url, token: 's3cret-plex', path_map: [{ from: env.srv.animeDir, to: '/data/anime' }] },
      ],
    },
  });
  expect(put.status, put.text).toBe(200);
});
afterAll(async () => {
  await env?.close();
  await Promise.all([hooks, kodi, jellyfin, plex, smtp].map((f) => f?.close()));
});

describe('a completed download', () => {
  it('is announced once on every channel that chose it, and each media server refreshes the mapped series folder', async () => {
    const folder = await addSeries(env, 'frieren', 'Frieren', [ep(1), ep(2)]);
    const {
      added_items: [id],
    } = await queue(env, 'frieren', [2]);
    expect((await waitFor(env, id!, ['completed', 'failed'])).status).toBe('completed');
    // the media refreshes are queued before the notifications: once these arrived, all of it was queued
    await until(
      () =>
        hooks.at('/generic').length > 0 &&
        smtp.mails.length > 0 &&
        kodi.received.length > 0 &&
        jellyfin.received.length > 0 &&
        plex.at('/library/sections/7/refresh').length > 0,
      'the deliveries',
      60_000,
    );
    await drained('notify_send', 'media_refresh');

    const generic = hooks.at('/generic');
    expect(generic).toHaveLength(1);
    const body = JSON.parse(generic[0].body);
    expect(body).toMatchObject({
      event: 'download_completed',
      title: 'Downloaded: Frieren S01E02',
      data: {
        series_key: 'frieren',
        series_name: 'Frieren',
        season: 1,
        episode: 2,
        hoster: 'SendVid',
        language: 'german_dub',
        queued_by: 'manual',
      },
    });
    expect(body.data.bytes).toBe(fs.statSync(mp4).size);
    expect(path.dirname(body.data.file)).toBe(folder);
    expect(body.data.bytes_per_second).toBeGreaterThan(0);

    const [discord] = hooks.at('/discord');
    expect(JSON.parse(discord.body).content).toMatch(
      /^\*\*Downloaded: Frieren S01E02\*\*\nFrieren S01E02 \(Episode 2\): 0\.\d MB from SendVid \(german_dub\)/,
    );
    const [ntfy] = hooks.at('/ntfy/aniworld');
    expect(ntfy.headers).toMatchObject({ title: 'Downloaded: Frieren S01E02', authorization: 'Bearer s3cret-ntfy' });
    const [gotify] = hooks.at('/gotify');
    expect(gotify.path).toBe('/gotify/message');
    expect(gotify.headers['x-gotify-key']).toBe('s3cret-gotify');
    expect(JSON.parse(gotify.body)).toMatchObject({ title: 'Downloaded: Frieren S01E02', priority: 5 });
    const [apprise] = hooks.at('/apprise');
    expect(apprise.path).toBe('/apprise/notify');
    expect(JSON.parse(apprise.body)).toMatchObject({ title: 'Downloaded: Frieren S01E02', type: 'info', urls: 'tgram://s3cret-apprise/1' });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ from: 'aniworld@example.org', to: ['me@example.org'], auth: 'aniworld:s3cret-mail' });
    expect(smtp.mails[0].data).toMatch(/^Subject: Downloaded: Frieren S01E02$/m);
    expect(hooks.received.map((r) => r.path.split('/')[1]).sort()).toEqual(['apprise', 'discord', 'generic', 'gotify', 'ntfy']);

    const folderName = path.basename(folder);
    expect(kodi.received).toHaveLength(1);
    expect(kodi.received[0].headers.authorization).toBe(`Basic ${Buffer.from('kodi:s3cret-kodi').toString('base64')}`);
    expect(JSON.parse(kodi.received[0].body)).toMatchObject({
      jsonrpc: '2.0',
      method: 'VideoLibrary.Scan',
      params: { directory: `smb://nas/anime/${folderName}/` },
    });
    expect(jellyfin.received).toHaveLength(1);
    expect(JSON.parse(jellyfin.received[0].body)).toEqual({ Updates: [{ Path: `D:\\Anime\\${folderName}`, UpdateType: 'Created' }] });
    const refresh = plex.at('/library/sections/7/refresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0].query.get('path')).toBe(`/data/anime/${folderName}`);
    expect(refresh[0].query.has('X-Plex-Token')).toBe(false);

    // no secret reaches the logs
    const logs = env.srv.logs();
    for (const s of SECRETS) expect(logs).not.toContain(s);
    expect(logs).toContain('notification delivered');
  });

  it('ten episodes placed within the batch time give one refresh per media server', async () => {
    await env.api.put('/api/config', { media_servers: { batch_seconds: 60 } });
    kodi.received.length = 0;
    jellyfin.received.length = 0;
    plex.received.length = 0;
    const eps = Array.from({ length: 10 }, (_, i) => i + 1);
    await addSeries(env, 'dandadan', 'Dandadan', eps.map(ep));
    const { added_items: ids } = await queue(env, 'dandadan', eps);
    for (const id of ids) expect((await waitFor(env, id, ['completed', 'failed'])).status).toBe('completed');
    // media refreshes are queued before the notifications: all ten announced means all ten queued their refresh
    const announced = () => hooks.at('/generic').filter((r) => JSON.parse(r.body).data.series_key === 'dandadan').length;
    await until(() => announced() === 10, 'ten download_completed notifications', 60_000);
    // one waiting refresh per server; the minute passes (its run time is now), it runs
    expect(await count('media_refresh')).toBe(3);
    await env.srv.deps.db.query(sql.unsafe`update graphile_worker._private_jobs set run_at = now()
      where task_id = (select id from graphile_worker._private_tasks where identifier = 'media_refresh')`);
    await drained('media_refresh');
    expect(kodi.received).toHaveLength(1);
    expect(jellyfin.received).toHaveLength(1);
    expect(plex.at('/library/sections/7/refresh')).toHaveLength(1);
    expect(JSON.parse(kodi.received[0].body).params.directory).toBe('smb://nas/anime/Dandadan (2020)/');
    await env.api.put('/api/config', { media_servers: { batch_seconds: 0 } });
  }, 240_000);
});

describe('failed downloads', () => {
  const pageGone = () => ({ lang: 1 as const, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4 }, { page: '404' }) });
  const unreachable = { lang: 1 as const, hoster: 'Mystery', embedUrl: 'http://127.0.0.1:9/e/1' };

  it('are announced when the failure policy gave up (or never retries), or for every failed source and run with each_attempt', async () => {
    await addSeries(env, 'broken', 'Broken', [
      { episode: 1, sources: [pageGone()] },
      { episode: 2, sources: [unreachable] },
      { episode: 3, sources: [pageGone(), { lang: 1, hoster: 'Mystery', embedUrl: 'http://127.0.0.1:9/e/3' }] },
    ]);
    hooks.received.length = 0;
    // episode 1: its only source is gone: blocklisted, the policy tries again later: nothing announced yet
    const first = await queue(env, 'broken', [1]);
    expect((await waitFor(env, first.added_items[0], ['completed', 'failed'])).status).toBe('failed');
    // episode 2: a network failure is never retried by the policy: announced at once
    const second = await queue(env, 'broken', [2]);
    expect((await waitFor(env, second.added_items[0], ['completed', 'failed'])).status).toBe('failed');
    await until(() => hooks.at('/trouble').length > 0 && hooks.at('/generic').length > 0, 'the failure notifications', 60_000);
    await drained('notify_send');
    expect(hooks.at('/trouble').map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({
        event: 'download_failed',
        title: 'Download failed: Broken S01E02',
        data: expect.objectContaining({ gave_up: true }),
      }),
    ]);
    expect(hooks.at('/generic')).toHaveLength(1); // the generic channel chose download_failed too

    hooks.received.length = 0;
    await env.api.put('/api/config', { notifications: { download_failed: 'each_attempt' } });
    const third = await queue(env, 'broken', [3]);
    expect((await waitFor(env, third.added_items[0], ['completed', 'failed'])).status).toBe('failed');
    await until(() => hooks.at('/trouble').some((r) => JSON.parse(r.body).data.hoster === null), 'the run failure notification', 60_000);
    await drained('notify_send');
    const seen = hooks.at('/trouble').map((r) => JSON.parse(r.body));
    expect(seen.map((e) => [e.title, e.data.gave_up, e.data.hoster])).toEqual(
      expect.arrayContaining([
        ['Source failed: Broken S01E03', false, 'VOE'],
        ['Source failed: Broken S01E03', false, 'Mystery'],
        ['Download failed, trying again later: Broken S01E03', false, null],
      ]),
    );
    expect(seen).toHaveLength(3);
    await env.api.put('/api/config', { notifications: { download_failed: 'gave_up' } });
  });
});

describe('rescans and tasks', () => {
  it('a rescan announces episodes the provider lists now, and its failures with a blocked provider', async () => {
    await addSeries(env, 'sakamoto', 'Sakamoto Days', [ep(1)]);
    env.aniworld.addEpisode('sakamoto', 1, { episode: 2, title: 'Neu' });
    hooks.received.length = 0;
    await runRescan(env.srv.deps, { trigger: 'test' });
    await drained('notify_send');
    const found = hooks.at('/trouble').map((r) => JSON.parse(r.body));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      event: 'new_episodes',
      data: { source: 'rescan', episodes: [{ series_key: 'sakamoto', season: 1, episode: 2, title: 'Neu' }] },
    });

    hooks.received.length = 0;
    env.aniworld.setMode('challenge');
    await runRescan(env.srv.deps, { trigger: 'test' });
    env.aniworld.setMode('ok');
    await drained('notify_send');
    const events = hooks.at('/trouble').map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.event).sort()).toEqual(['health_problem', 'rescan_errors']);
    expect(events.find((e) => e.event === 'health_problem').message).toMatch(/^ProviderBlocked: aniworld answered with a challenge page/);
  });

  it('a failed configuration backup is announced', async () => {
    hooks.received.length = 0;
    const dir = env.srv.deps.settings.backupsDir;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(dir, 'not a folder');
    const run = await env.api.post('/api/tasks/config_backup/run');
    expect(run.status, run.text).toBeLessThan(300);
    await until(() => hooks.at('/trouble').length > 0, 'the backup_failed notification', 60_000);
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    expect(JSON.parse(hooks.at('/trouble')[0].body)).toMatchObject({ event: 'backup_failed', title: 'Configuration backup failed' });
  });
});

describe('the Test button', () => {
  it('sends a test message through a saved channel and reports what a failing one answered', async () => {
    hooks.received.length = 0;
    const ok = await env.api.post('/api/notifications/channels/gotify/test');
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ delivered: true, target: `gotify at ${new URL(hooks.url).host}` });
    expect(JSON.parse(hooks.at('/gotify')[0].body)).toMatchObject({ title: 'Aniworld test notification' });

    const mail = await env.api.post('/api/notifications/channels/mail/test');
    expect(mail.status, mail.text).toBe(200);
    expect(smtp.mails.at(-1)!.data).toMatch(/^Subject: Aniworld test notification$/m);

    hooks.failNext('/discord');
    const bad = await env.api.post('/api/notifications/channels/disc/test');
    expect(bad.status).toBe(502);
    expect(bad.body.message).toBe(`The test notification was not delivered: discord at ${new URL(hooks.url).host} answered 500`);
    expect(bad.text).not.toContain('s3cret');

    expect((await env.api.post('/api/notifications/channels/nope/test')).status).toBe(404);
  });

  it('the API never shows a channel secret, and saving the masked config keeps them', async () => {
    const cfg = await env.api.get('/api/config');
    expect(cfg.text).not.toMatch(/s3cret/);
    const put = await env.api.put('/api/config', { notifications: cfg.body.notifications, media_servers: cfg.body.media_servers });
    expect(put.status, put.text).toBe(200);
    const stored = env.srv.deps.settings.stored();
    expect(stored.notifications.webhooks.find((w) => w.id === 'ntfy')?.token).toBe('s3cret-ntfy');
    expect(stored.notifications.webhooks.find((w) => w.id === 'mail')?.email?.password).toBe('s3cret-mail');
    expect(stored.notifications.webhooks.find((w) => w.id === 'disc')?.url).toBe(`${hooks.url}/discord/123/s3cret-discord`);
    expect(stored.media_servers.servers.find((s) => s.id === 'plex')?.token).toBe('s3cret-plex');
    expect(stored.media_servers.servers.find((s) => s.id === 'kodi')?.password).toBe('s3cret-kodi');
  });
});
