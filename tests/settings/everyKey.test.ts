/**
 * Every setting does something. The configuration schema is walked key by key (so a key added
 * later without an entry here fails), and each key names the test that shows its effect: one of
 * the domain tests, or one below for keys no other test covers. Keys older versions stored that
 * never did anything (data_dir, other, ui.language) are gone, and configs that still carry them load.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppConfig, REMOVED_KEYS } from '../../backend/src/settings/schema.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { until } from '../helpers/poll.js';
import type { Backup, SearchResult, TaskInfo } from '../../frontend/src/api/types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HERE = 'tests/settings/everyKey.test.ts';

/** Every leaf key of a zod schema; an array of objects contributes `key[].field`. */
function leafKeys(schema: z.ZodTypeAny, prefix = ''): string[] {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else break;
  }
  if (s instanceof z.ZodObject)
    return Object.entries(s.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
  if (s instanceof z.ZodArray) {
    const inner = leafKeys(s.element as z.ZodTypeAny, `${prefix}[]`);
    if (inner.length !== 1 || inner[0] !== `${prefix}[]`) return inner;
  }
  return [prefix];
}

/** key → [test file, the test's title] that shows what the key changes. */
const EFFECTS: Record<string, [string, string]> = {
  name: [HERE, 'name: the calendar feed and the test notification carry it at once'],
  extra_library_roots: [
    'tests/downloads/symlinks.test.ts',
    'a series folder linked outside fails its download with the reason; under an extra library root it works',
  ],
  anime_directory: ['tests/library/api.test.ts', 'changing the anime directory syncs the library from the new folder'],

  'scheduler.enabled': ['tests/scheduler/scheduler.test.ts', 'removes the job when disabled and brings it back when enabled'],
  'scheduler.interval_minutes': ['tests/scheduler/scheduler.test.ts', 'runs every interval_minutes when schedule_time is empty'],
  'scheduler.schedule_time': ['tests/scheduler/scheduler.test.ts', 'moves the job at once when the time and days change'],
  'scheduler.schedule_days': ['tests/scheduler/scheduler.test.ts', 'moves the job at once when the time and days change'],
  'scheduler.auto_download_after_rescan': [
    'tests/watchlist/autodownload.test.ts',
    'a scheduled rescan with auto_download_after_rescan queues and downloads what is missing',
  ],

  'logging.level': ['tests/logs/logs.test.ts', 'the level set in the configuration changes what is written at once'],
  'logging.file': ['tests/logs/logs.test.ts', 'rotate by size and keep backup_count + 1 files per process role'],
  'logging.max_bytes': ['tests/logs/logs.test.ts', 'rotate by size and keep backup_count + 1 files per process role'],
  'logging.backup_count': ['tests/logs/logs.test.ts', 'rotate by size and keep backup_count + 1 files per process role'],

  'backup.enabled': ['tests/scheduler/tasks.test.ts', 'schedules the weekly backup on Sunday 03:30 server time once backups are enabled'],
  'backup.frequency': ['tests/scheduler/tasks.test.ts', 'moves the backup when its frequency, day or time change'],
  'backup.weekday': ['tests/scheduler/tasks.test.ts', 'moves the backup when its frequency, day or time change'],
  'backup.time': ['tests/scheduler/tasks.test.ts', 'moves the backup when its frequency, day or time change'],
  'backup.include_secrets': [HERE, 'backup.include_secrets: a scheduled backup holds the API keys only when it is on'],
  'backup.path': ['tests/core/config.test.ts', 'backup.path: relative to DATA_DIR, checked writable when saved'],
  'backup.keep_days': ['tests/scheduler/tasks.test.ts', 'removes scheduled backups older than keep_days'],
  'backup.keep_count': ['tests/scheduler/tasks.test.ts', 'runs a backup now, records the run and keeps the newest keep_count backups'],

  'downloads.max_parallel_downloads': [
    'tests/downloads/queue.test.ts',
    'never runs more than max_parallel_downloads at once, even with a second process on the same database',
  ],
  'downloads.language_preference': [
    'tests/downloads/queue.test.ts',
    'follows the language preference and never substitutes a language outside it',
  ],
  'downloads.hoster_preference': [
    'tests/downloads/naming.test.ts',
    'language preference first, then hoster preference; other languages are dropped',
  ],
  'downloads.quality_preference': ['tests/downloads/quality.test.ts', 'downloads.quality_preference applies when the item names none'],
  'downloads.hls_segment_concurrency': ['tests/downloads/engine.test.ts', 'resumes segment by segment after an interruption'],
  'downloads.hls_segment_retries': [
    'tests/downloads/engine.test.ts',
    'decrypts AES-128, retries a failing segment, remuxes and passes verification',
  ],
  'downloads.container': [
    'tests/downloads/engine.test.ts',
    'fetches the last segments first, decodes both ends from the segments and takes the duration from the remuxed file',
  ],
  'downloads.bandwidth_limit_mbps': ['tests/downloads/engine.test.ts', 'the shared bandwidth limit slows downloads down'],
  'downloads.stall_timeout_seconds': ['tests/downloads/engine.test.ts', 'a slow drip hits the stall timeout'],
  'downloads.min_free_space_mb': [
    'tests/downloads/spaceHold.test.ts',
    'holds new downloads with a reason and a notification, and resumes when space is back',
  ],
  'downloads.max_file_size_mb': ['tests/downloads/engine.test.ts', 'a huge announced size is refused before downloading'],
  'downloads.naming_template': ['tests/downloads/naming.test.ts', 'renders the template zero-padded with SxxEyy'],
  'downloads.season_folders': ['tests/downloads/naming.test.ts', 'never lets a name become a path'],
  'downloads.language_cutoff': [
    'tests/downloads/upgrades.test.ts',
    'German Sub on disk is replaced by the German Dub once the page lists it (cutoff German Dub); not when upgrades are off',
  ],
  'downloads.upgrades_enabled': [
    'tests/downloads/upgrades.test.ts',
    'German Sub on disk is replaced by the German Dub once the page lists it (cutoff German Dub); not when upgrades are off',
  ],
  'downloads.page_reads_per_rescan': ['tests/downloads/upgrades.test.ts', 'a rescan reads at most page_reads_per_rescan episode pages'],
  'downloads.monitor_new_series': [HERE, 'downloads.monitor_new_series: a series added while it is off is not monitored'],
  'downloads.completed_keep_hours': [
    'tests/downloads/trim.test.ts',
    'downloads.completed_keep_hours after they finished, by the injected clock',
  ],
  'downloads.completed_keep_count': [
    'tests/downloads/trim.test.ts',
    'the hourly queue_trim job keeps the newest downloads.completed_keep_count; the history still has the download',
  ],
  'downloads.monitor_specials': [
    'tests/library/monitoring.test.ts',
    'a new series is monitored, its specials are not (config); toggles per series, season and episode; missing split in two',
  ],

  'providers.default_provider': [HERE, 'providers: base_url, enabled and default_provider decide where a search goes, at once'],
  'providers.max_concurrent_per_host': [
    HERE,
    'providers.max_concurrent_per_host and scan_concurrency bound the requests a rescan has in flight',
  ],
  'providers.request_timeout_seconds': [
    'tests/scheduler/rescan.test.ts',
    'starts no second manual rescan and skips a scheduled one while a rescan runs',
  ],
  'providers.retries': ['tests/scheduler/rescan.test.ts', 'starts no second manual rescan and skips a scheduled one while a rescan runs'],
  'providers.scan_concurrency': [HERE, 'providers.max_concurrent_per_host and scan_concurrency bound the requests a rescan has in flight'],
  'providers.aniworld.enabled': [HERE, 'providers: base_url, enabled and default_provider decide where a search goes, at once'],
  'providers.aniworld.base_url': [HERE, 'providers: base_url, enabled and default_provider decide where a search goes, at once'],
  'providers.aniworld.extra_domains': [
    'tests/providers/domains.test.ts',
    'known domains of a site are accepted in links and normalised to the active one',
  ],
  'providers.aniworld.user_agent': ['tests/providers/aniworld.test.ts', 'sends the configured User-Agent and the site as Referer'],
  'providers.aniworld.proxy': [
    'tests/providers/proxy.test.ts',
    'reaches a site that is unreachable directly through the configured proxy, and fails clearly without it',
  ],
  'providers.animesama.enabled': [HERE, 'providers: base_url, enabled and default_provider decide where a search goes, at once'],
  'providers.animesama.base_url': [HERE, 'providers: base_url, enabled and default_provider decide where a search goes, at once'],
  'providers.animesama.extra_domains': [
    'tests/providers/domains.test.ts',
    'known domains of a site are accepted in links and normalised to the active one',
  ],
  'providers.animesama.user_agent': ['tests/providers/aniworld.test.ts', 'sends the configured User-Agent and the site as Referer'],
  'providers.animesama.proxy': [
    'tests/providers/proxy.test.ts',
    'reaches a site that is unreachable directly through the configured proxy, and fails clearly without it',
  ],
  'providers.hoster_domains': ['tests/hosters/resolvers.test.ts', 'finds hosters by name and by (configured) domain'],
  'providers.healthy_hosters_first': [
    'tests/providers/hosterHealth.test.ts',
    'with healthy_hosters_first, hosters whose recent attempts mostly failed are tried last',
  ],

  'tmdb.api_key': ['tests/library/jobs.test.ts', 'adding a series queues nfo_create only when TMDB is configured'],
  'tmdb.language': ['tests/metadata/nfo.test.ts', 'writes episode NFOs beside the videos, with English text where German is missing'],
  'tmdb.poster_size': ['tests/metadata/nfo.test.ts', 'asks the image server for the sizes configured'],
  'tmdb.fanart_size': ['tests/metadata/nfo.test.ts', 'asks the image server for the sizes configured'],
  'tmdb.logo_size': ['tests/metadata/nfo.test.ts', 'asks the image server for the sizes configured'],
  'tmdb.still_size': ['tests/metadata/nfo.test.ts', 'asks the image server for the sizes configured'],
  'tmdb.max_image_mb': ['tests/metadata/nfo.test.ts', 'refuses artwork that is not an image or is over the size cap'],
  'nfo.create_on_add': ['tests/metadata/batch.test.ts', 'queues nfo_create for a newly added series when create_on_add is on'],
  'nfo.episode_nfo_on_download': [
    'tests/metadata/batch.test.ts',
    'leaves placed videos alone when episode_nfo_on_download is off, and refuses paths outside the series',
  ],
  'nfo.download_artwork': ['tests/metadata/nfo.test.ts', 'writes the NFO only, without artwork, when download_artwork is off'],

  'notifications.webhooks[].id': [
    'tests/notifications/notifications.test.ts',
    'sends a test message through a saved channel and reports what a failing one answered',
  ],
  'notifications.webhooks[].name': [
    'tests/notifications/notifications.test.ts',
    'sends a test message through a saved channel and reports what a failing one answered',
  ],
  'notifications.webhooks[].type': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].url': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].token': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.host': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.port': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.secure': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.username': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.password': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.from': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].email.to': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].enabled': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.webhooks[].events': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'notifications.download_failed': [
    'tests/notifications/notifications.test.ts',
    'are announced when the failure policy gave up (or never retries), or for every failed source and run with each_attempt',
  ],

  'media_servers.servers[].id': [
    'tests/notifications/notifications.test.ts',
    'ten episodes placed within the batch time give one refresh per media server',
  ],
  'media_servers.servers[].name': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].type': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].url': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].token': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].username': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].password': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.servers[].path_map[].from': [
    'tests/mediaServers/pathMap.test.ts',
    'replaces the longest matching prefix, only at a folder boundary',
  ],
  'media_servers.servers[].path_map[].to': ['tests/mediaServers/pathMap.test.ts', 'gives Windows and SMB targets their own separators'],
  'media_servers.servers[].enabled': [
    'tests/notifications/notifications.test.ts',
    'is announced once on every channel that chose it, and each media server refreshes the mapped series folder',
  ],
  'media_servers.batch_seconds': [
    'tests/notifications/notifications.test.ts',
    'ten episodes placed within the batch time give one refresh per media server',
  ],

  'history.retention_days': ['tests/history/history.test.ts', 'housekeeping removes events beyond the retention; unset keeps everything'],
};

/** The server's own source, without the schema files: a key nobody reads is named only there. */
function serverSource(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && e.name !== 'configSchema.ts' && !p.endsWith(path.join('settings', 'schema.ts')))
        out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(ROOT, 'backend/src'));
  return out.join('\n');
}

describe('the configuration schema', () => {
  const keys = leafKeys(AppConfig);

  it('lists every key with the test that shows its effect, and nothing else', () => {
    expect(keys.length).toBeGreaterThan(80);
    expect(
      keys.filter((k) => !EFFECTS[k]),
      'keys without an effect test',
    ).toEqual([]);
    expect(
      Object.keys(EFFECTS).filter((k) => !keys.includes(k)),
      'entries for keys the schema no longer has',
    ).toEqual([]);
  });

  it('each named test exists in its file', () => {
    const missing: string[] = [];
    for (const [key, [file, title]] of Object.entries(EFFECTS)) {
      const src = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\\'/g, "'");
      if (!src.includes(`it('${title}'`) && !src.includes(`it("${title}"`) && !src.includes(`it(\`${title}\``))
        missing.push(`${key}: ${file} › ${title}`);
    }
    expect(missing).toEqual([]);
  });

  it('each key is read by the server outside the schema', () => {
    const src = serverSource();
    const unread = keys.filter((k) => {
      const leaf = k.split('.').pop()!.replace('[]', '');
      return !new RegExp(`\\.${leaf}\\b|\\b${leaf}:|'${leaf}'|\\{[^}]*\\b${leaf}\\b[^}]*\\}\\s*=`).test(src);
    });
    expect(unread).toEqual([]);
  });

  it('the keys that did nothing are gone', () => {
    for (const k of REMOVED_KEYS) expect(keys.some((x) => x === k || x.startsWith(`${k}.`))).toBe(false);
  });
});

let fake: FakeAniworld;
let sama: FakeAnimeSama;
let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let slow: SlowProxy;

/** Stands between the product and the fake site: holds each answer a moment and counts how many overlap. */
interface SlowProxy {
  url: string;
  maxInFlight: number;
  reset(): void;
  close(): Promise<void>;
}
async function slowProxy(upstream: string, holdMs: number): Promise<SlowProxy> {
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = http.createServer(async (req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, holdMs));
      const body =
        req.method === 'POST'
          ? await new Promise<Buffer>((r) => {
              const c: Buffer[] = [];
              req.on('data', (d) => c.push(d));
              req.on('end', () => r(Buffer.concat(c)));
            })
          : undefined;
      const up = await fetch(upstream + req.url, {
        method: req.method,
        body: body ? new Uint8Array(body) : undefined,
        redirect: 'manual',
        headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
      });
      res.writeHead(up.status, {
        'content-type': up.headers.get('content-type') ?? 'text/html',
        ...(up.headers.get('location') ? { location: up.headers.get('location')! } : {}),
      });
      res.end(Buffer.from(await up.arrayBuffer()));
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    get maxInFlight() {
      return state.maxInFlight;
    },
    reset() {
      state.maxInFlight = 0;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const SERIES = ['alpha', 'beta', 'gamma', 'delta'];

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      ...SERIES.map((s) => simpleSeries(s, s[0]!.toUpperCase() + s.slice(1), { 1: 2 })),
      simpleSeries('frieren', 'Frieren', { 1: 2 }),
    ],
  });
  sama = await startFakeAnimeSama({
    series: [
      { slug: 'frieren', name: 'Frieren Sama', parts: [{ path: 'saison1/vostfr', players: { vostfr: [['https://hoster.example/e/1']] } }] },
    ],
  });
  slow = await slowProxy(fake.url, 150);
  // no ANIWORLD_URL / ANIMESAMA_URL: the base URLs come from the configuration alone
  srv = await startTestServer();
  ({ api } = await adminClient(srv.url));
}, 60_000);

afterAll(async () => {
  await srv?.stop();
  await slow?.close();
  await fake?.close();
  await sama?.close();
});

describe('keys no domain test covers', () => {
  it('name: the calendar feed and the test notification carry it at once', async () => {
    const key = (await api.post('/api/auth/api-keys', { name: 'calendar' })).body.key as string;
    const feedName = async () =>
      (await (await fetch(`${srv.url}/feed/calendar.ics?apikey=${encodeURIComponent(key)}`)).text()).match(/^X-WR-CALNAME:(.*)$/m)?.[1];
    expect(await feedName()).toBe('Aniworld');
    expect((await api.put('/api/config', { name: 'Home server' })).status).toBe(200);
    expect(await feedName()).toBe('Home server');

    const received: string[] = [];
    const hook = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        received.push(b);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/discord`;
      expect((await api.put('/api/config', { notifications: { webhooks: [{ id: 'd', type: 'discord', url }] } })).status).toBe(200);
      const sent = await api.post('/api/notifications/channels/d/test');
      expect(sent.status, sent.text).toBe(200);
      expect(JSON.parse(received[0]!)).toMatchObject({
        username: 'Home server',
        content: expect.stringContaining('Home server test notification'),
      });
    } finally {
      hook.close();
      await api.put('/api/config', { notifications: { webhooks: [] } });
    }
  });

  it('providers: base_url, enabled and default_provider decide where a search goes, at once', async () => {
    const search = async () => {
      const res = await client(srv.url).get('/api/anime/search?query=Frieren');
      return res.status === 200 ? res.body.map((h: SearchResult) => `${h.provider}:${h.name}`) : res.status;
    };
    expect(
      (await api.put('/api/config', { providers: { aniworld: { base_url: fake.url }, animesama: { base_url: sama.url } } })).status,
    ).toBe(200);
    expect(await search()).toEqual(['aniworld:Frieren']);
    expect(fake.requests.some((r) => r.includes('Frieren') || r.startsWith('POST /ajax/search'))).toBe(true);
    expect((await api.put('/api/config', { providers: { default_provider: 'animesama' } })).status).toBe(200);
    expect(await search()).toEqual(['animesama:Frieren Sama']);
    expect((await api.put('/api/config', { providers: { animesama: { enabled: false } } })).status).toBe(200);
    expect(await search()).toBe(503);
    expect((await api.put('/api/config', { providers: { default_provider: 'aniworld', animesama: { enabled: true } } })).status).toBe(200);
    expect(await search()).toEqual(['aniworld:Frieren']);
  });

  it('downloads.monitor_new_series: a series added while it is off is not monitored', async () => {
    expect(
      (await api.put('/api/config', { providers: { aniworld: { base_url: fake.url } }, downloads: { monitor_new_series: false } })).status,
    ).toBe(200);
    const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/frieren`, name: 'Frieren' });
    expect(add.status, add.text).toBe(200);
    expect((await api.get('/api/anime/frieren')).body.monitored).toBe(false);
    expect((await api.put('/api/config', { downloads: { monitor_new_series: true } })).status).toBe(200);
    expect((await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/alpha`, name: 'Alpha' })).status).toBe(200);
    expect((await api.get('/api/anime/alpha')).body.monitored).toBe(true);
  });

  it('providers.max_concurrent_per_host and scan_concurrency bound the requests a rescan has in flight', async () => {
    expect(
      (await api.put('/api/config', { providers: { aniworld: { base_url: slow.url }, scan_concurrency: 4, max_concurrent_per_host: 4 } }))
        .status,
    ).toBe(200);
    for (const s of SERIES.slice(1))
      expect((await api.post('/api/anime/add', { link: `${slow.url}/anime/stream/${s}`, name: s })).status).toBe(200);
    const rescan = async () => {
      slow.reset();
      const before = (await api.get('/api/tasks')).body.tasks.find((t: TaskInfo) => t.name === 'rescan')?.runs ?? 0;
      expect((await api.post('/api/anime/rescan')).status).toBe(200);
      await until(async () => {
        const t = (await api.get('/api/tasks')).body.tasks.find((x: TaskInfo) => x.name === 'rescan');
        return t && t.runs > before && !t.running ? t : null;
      }, 'the rescan to finish');
      return slow.maxInFlight;
    };
    expect(await rescan()).toBeGreaterThan(1);
    expect((await api.put('/api/config', { providers: { scan_concurrency: 1 } })).status).toBe(200);
    expect(await rescan()).toBe(1);
    expect((await api.put('/api/config', { providers: { scan_concurrency: 4, max_concurrent_per_host: 1 } })).status).toBe(200);
    expect(await rescan()).toBe(1);
  });

  it('backup.include_secrets: a scheduled backup holds the API keys only when it is on', async () => {
    const scheduledEntries = async () => {
      const before = new Set((await api.get('/api/config/backups')).body.map((b: Backup) => b.name));
      expect((await api.post('/api/tasks/config_backup/run')).status).toBe(202);
      const made = await until(
        async () => (await api.get('/api/config/backups')).body.find((b: Backup) => b.kind === 'scheduled' && !before.has(b.name)),
        'a scheduled backup',
      );
      const names: string[] = [];
      await tar.t({ file: path.join(srv.dataDir, 'backups', made.name), onReadEntry: (e) => names.push(e.path) });
      return names;
    };
    const plain = await scheduledEntries();
    expect(plain).toContain('db/users.jsonl');
    expect(plain).not.toContain('jwt_secret');
    expect(plain).not.toContain('db/api_keys.jsonl');
    expect((await api.put('/api/config', { backup: { include_secrets: true } })).status).toBe(200);
    const withSecrets = await scheduledEntries();
    expect(withSecrets).toContain('db/api_keys.jsonl');
    // signing keys never leave the database they were made in
    expect(withSecrets.some((n) => /jwt|signing_keys/.test(n))).toBe(false);
  });
});

describe('keys that are gone', () => {
  it('a config.json of an older version with data_dir, other and ui still loads; the keys are dropped from the file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-oldcfg-'));
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({
        name: 'Old one',
        data_dir: 'data',
        other: { note: 'x' },
        ui: { language: 'de' },
        scheduler: { interval_minutes: 90 },
      }),
    );
    const old = await startTestServer({ dataDir });
    try {
      const { api: a } = await adminClient(old.url);
      const cfg = (await a.get('/api/config')).body;
      expect(cfg).toMatchObject({ name: 'Old one', scheduler: { interval_minutes: 90 } });
      for (const k of REMOVED_KEYS) expect(cfg).not.toHaveProperty(k);
      const onDisk = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8'));
      expect(onDisk).toMatchObject({ name: 'Old one' });
      for (const k of REMOVED_KEYS) expect(onDisk).not.toHaveProperty(k);
      // a client that still sends them is not refused; they are not stored
      expect((await a.put('/api/config', { other: { x: 1 }, name: 'Renamed' })).status).toBe(200);
      expect((await a.get('/api/config')).body).not.toHaveProperty('other');
    } finally {
      await old.stop();
    }
  });
});
