import { isDeepStrictEqual } from 'node:util';
/**
 * Import and metadata in the browser: an existing folder is imported with the provider match the
 * user confirms, then gets its tvshow.nfo and poster from the (fake) TMDB with one click, and the
 * poster, which needs the token, shows up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { insertSeries } from '../../backend/src/library/repo.js';
import { writeSeriesMetadata } from '../../backend/src/metadata/service.js';
import { sql } from '../../backend/src/db/pool.js';
import { launchBrowser, login, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let animesama: FakeAnimeSama;
let tmdb: FakeTmdb;

screenshotFailures('metadata');
beforeAll(async () => {
  [aniworld, animesama, tmdb, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        { slug: 'attack-on-titan', name: 'Attack on Titan', year: 2013, seasons: { 1: [{ episode: 1, title: 'Dir, 2000 Jahre später' }] } },
      ],
    }),
    startFakeAnimeSama(),
    startFakeTmdb(),
    launchBrowser(),
  ]);
  srv = await startUiServer({
    ANIWORLD_URL: aniworld.url,
    ANIMESAMA_URL: animesama.url,
    TMDB_API_URL: tmdb.apiUrl,
    TMDB_IMAGE_URL: tmdb.imageUrl,
  });
  // the user creates the NFO with the button (no automatic creation on add)
  await srv.deps.settings.update({ nfo: { create_on_add: false } });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([aniworld?.close(), animesama?.close(), tmdb?.close()]);
});

describe('import, NFO and artwork', () => {
  it('imports an existing folder, creates tvshow.nfo and the poster, and shows the poster', async () => {
    const { page, problems } = await newPage(browser, { colorScheme: 'dark' });
    await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('TMDB API key').fill(FAKE_TMDB_KEY);
    await page.locator('#s-tmdb').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).first().waitFor();

    // an existing folder from another tool is imported, matched to the provider's series
    fs.mkdirSync(path.join(srv.animeDir, 'Attack on Titan (2013)'));
    fs.writeFileSync(path.join(srv.animeDir, 'Attack on Titan (2013)', 'Attack on Titan - S01E01.mkv'), '');
    // and a vague one with two candidates (the name alone is ambiguous): the user chooses, nothing is guessed
    aniworld.addSeries({
      slug: 'attack-on-titan-junior-high',
      name: 'Attack on Titan: Junior High',
      year: 2015,
      seasons: { 1: [{ episode: 1, title: 'Eins' }] },
    });
    fs.mkdirSync(path.join(srv.animeDir, 'Attack'));
    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('tab-import').click();
    const unmatched = page.getByTestId('unmatched').filter({ hasText: 'Attack on Titan (2013)' });
    await unmatched.waitFor({ timeout: 30_000 });
    await page.getByTestId('match-all').click();
    // the exact name and year is imported at once; the vague folder waits for a choice
    await page.getByTestId('toast').filter({ hasText: '1 folder imported' }).first().waitFor();
    const vague = page.getByTestId('unmatched').filter({ hasText: 'Attack' });
    await vague.getByRole('radio').first().waitFor();
    expect(await vague.getByRole('radio').count()).toBe(2);
    await screenshot(page, 'metadata-import');
    await vague.getByRole('radio', { name: /Junior High/ }).check();
    // the first notice has gone, so the one that follows is the second import's
    const imported = page.getByTestId('toast').filter({ hasText: '1 folder imported' });
    await imported.waitFor({ state: 'detached' });
    await vague.getByTestId('import').click();
    await imported.waitFor();
    await page.getByText('No unmatched folders.').waitFor();
    await page.getByRole('link', { name: 'Library' }).first().click();
    // a rescan runs as a job; its end arrives as a toast
    await page.getByRole('button', { name: 'Rescan' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Library rescan finished' }).first().waitFor({ timeout: 60_000 });
    await page.locator('[data-key="attack-on-titan"]').click();
    // the episode on disk counts as downloaded: nothing is fetched twice
    const row = page.locator('tr[data-episode="S01E01"]');
    await row.waitFor();
    expect(await row.getAttribute('data-downloaded')).toBe('true');

    const panel = page.getByTestId('nfo-panel');
    await panel.getByText('tvshow.nfo').waitFor();
    expect(await panel.locator('li').first().textContent()).toContain('✗');
    await panel.getByTestId('nfo-create').click();
    await until(
      async () => !!(await panel.locator('li').first().textContent())?.includes('✓'),
      "panel.locator('li').first().textContent() containing '✓'",
      30_000,
    );
    const folder = path.join(srv.animeDir, (await page.locator('.info .mono').first().textContent())!);
    expect(fs.existsSync(path.join(folder, 'tvshow.nfo'))).toBe(true);
    expect(fs.existsSync(path.join(folder, 'poster.jpg'))).toBe(true);

    // the poster is fetched with the token and shown from an object URL (the CSP allows blob:)
    const poster = page.locator('.poster img');
    await poster.waitFor();
    expect(await poster.getAttribute('src')).toMatch(/^blob:/);
    expect(await poster.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'metadata-series-dark');

    await page.getByRole('link', { name: 'Library' }).first().click();
    const tileImg = page.locator('[data-key="attack-on-titan"] img');
    await tileImg.waitFor();
    expect(await tileImg.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'metadata-library-dark');

    // search, filter and sort within the library
    const tiles = () =>
      page.locator('[data-test="library-grid"] [data-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    expect(await tiles()).toEqual(['attack-on-titan', 'attack-on-titan-junior-high']);
    await page.getByTestId('library-sort').selectOption('missing');
    await until(
      async () => isDeepStrictEqual(await tiles(), ['attack-on-titan-junior-high', 'attack-on-titan']),
      "tiles = ['attack-on-titan-junior-high', 'attack-on-titan']",
    );
    await page.getByTestId('library-missing').check();
    await until(async () => isDeepStrictEqual(await tiles(), ['attack-on-titan-junior-high']), "tiles = ['attack-on-titan-junior-high']");
    await page.getByTestId('library-missing').uncheck();
    await page.getByTestId('library-search').fill('junior');
    await until(async () => isDeepStrictEqual(await tiles(), ['attack-on-titan-junior-high']), "tiles = ['attack-on-titan-junior-high']");
    await page.getByTestId('library-search').fill('nothing like this');
    await page.getByText('No series match.').waitFor();

    // removing a series keeps its files unless asked
    await page.getByTestId('library-search').fill('junior');
    await page.locator('[data-key="attack-on-titan-junior-high"]').click();
    await page.getByRole('button', { name: 'Remove series' }).click();
    await page.getByTestId('confirm-remove').click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByTestId('library-search').fill('');
    await until(async () => isDeepStrictEqual(await tiles(), ['attack-on-titan']), "tiles = ['attack-on-titan']");
    expect(fs.existsSync(path.join(srv.animeDir, 'Attack'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('shows the episode mapping of a split-season series and a corrected episode rewrites its NFO', async () => {
    await srv.deps.settings.update({ tmdb: { api_key: FAKE_TMDB_KEY } });
    // TMDB: one season of 6; the provider: two cours of 3
    tmdb.addShow({
      id: 90700,
      name: 'Cour Show',
      first_air_date: '2024-01-10',
      seasons: {
        0: [{ episode_number: 1, name: 'OVA: Strandtag', air_date: '2024-06-01' }],
        1: ['Der Anfang', 'Die Reise', 'Das Dorf', 'Der zweite Cour', 'Die Brücke', 'Das Ende'].map((name, i) => ({
          episode_number: i + 1,
          name,
          air_date: ['2024-01-10', '2024-01-17', '2024-01-24', '2024-04-03', '2024-04-10', '2024-04-17'][i],
        })),
      },
    });
    aniworld.addSeries({
      slug: 'cour-show',
      name: 'Cour Show',
      year: 2024,
      seasons: {
        1: [1, 2, 3].map((episode) => ({ episode, title: `Folge ${episode}` })),
        2: [1, 2, 3].map((episode) => ({ episode, title: `Folge ${episode}` })),
      },
    });
    const { row } = await insertSeries(srv.deps.db, {
      key: 'cour-show',
      name: 'Cour Show',
      site: 'aniworld.to',
      provider: 'aniworld',
      folder: 'Cour Show (2024)',
      link: `${aniworld.url}/anime/stream/cour-show`,
      year: 2024,
    });
    const dir = path.join(srv.animeDir, 'Cour Show (2024)');
    for (const season of [1, 2])
      for (const episode of [1, 2, 3]) {
        const rel = `Season ${season}/Cour Show - S0${season}E0${episode}.mkv`;
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), '');
        await srv.deps.db.query(
          sql.unsafe`insert into episodes (series_id, season, episode, is_downloaded, file_path) values (${row.id}, ${season},
            ${episode}, true, ${rel})`,
        );
      }
    await writeSeriesMetadata(srv.deps, 'cour-show', {
      overwrite: true,
      media: { poster: false, logo: false, fanart: false },
      refreshMedia: false,
      episodes: true,
      hint: { tmdbId: 90700 },
    });
    const nfo = (rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');
    expect(nfo('Season 2/Cour Show - S02E03.nfo')).toContain('<title>Das Ende</title>');

    const { page, problems } = await newPage(browser, { width: 1280 });
    await login(page, srv.url);
    await page.goto(`${srv.url}/series/cour-show`);
    const panel = page.getByTestId('mapping-panel');
    await panel.getByTestId('mapping-toggle').click();
    const s2e1 = panel.locator('tr[data-episode="S02E01"]');
    await s2e1.waitFor();
    expect(await s2e1.getByTestId('tmdb-title').textContent()).toBe('Der zweite Cour');
    expect(await s2e1.getByTestId('tmdb-episode').inputValue()).toBe('4');
    expect(await panel.getByTestId('mapping-effective').textContent()).toContain('Absolute numbering');
    // the provider's last episode is TMDB's OVA: the user says so
    const s2e3 = panel.locator('tr[data-episode="S02E03"]');
    await s2e3.getByTestId('tmdb-season').fill('0');
    await s2e3.getByTestId('tmdb-episode').fill('1');
    await panel.getByTestId('mapping-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Mapping saved; 1 episode NFOs rewritten' }).first().waitFor();
    expect(await s2e3.getByTestId('tmdb-title').textContent()).toBe('OVA: Strandtag');
    expect(nfo('Season 2/Cour Show - S02E03.nfo')).toContain('<title>OVA: Strandtag</title>');

    // by air date: the user says the provider's season 2 started on 10 April (TMDB's episode 5)
    await panel.getByTestId('mapping-mode').selectOption('air_date');
    const seasons = panel.getByTestId('mapping-seasons');
    await seasons.locator('tr[data-season="2"]').getByTestId('season-start').fill('2024-04-10');
    await panel.getByTestId('mapping-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Mapping saved; 2 episode NFOs rewritten' }).first().waitFor();
    expect(await seasons.locator('tr[data-season="2"]').getByTestId('season-starts-at').textContent()).toBe('S01E05');
    expect(await seasons.locator('tr[data-season="2"]').getByTestId('season-source').textContent()).toContain('your date');
    expect(await s2e1.getByTestId('tmdb-title').textContent()).toBe('Die Brücke');
    expect(await s2e1.getByTestId('tmdb-air-date').textContent()).toBe('2024-04-10');
    expect(nfo('Season 2/Cour Show - S02E01.nfo')).toContain('<title>Die Brücke</title>');
    // the user's correction of the last episode stays
    expect(nfo('Season 2/Cour Show - S02E03.nfo')).toContain('<title>OVA: Strandtag</title>');
    await page.reload();
    await panel.getByTestId('mapping-toggle').click();
    await s2e1.waitFor();
    expect(await panel.getByTestId('mapping-mode').inputValue()).toBe('air_date');
    expect(await seasons.locator('tr[data-season="2"]').getByTestId('season-start').inputValue()).toBe('2024-04-10');
    await screenshot(page, 'episode-mapping');
    expect(problems).toEqual([]);
  });
});
