/**
 * A fake aniworld.to on 127.0.0.1, serving pages shaped like the real site (see shared/providers.md).
 * Point the product at it with env `ANIWORLD_URL: fake.url` (or config providers.aniworld.base_url).
 *
 *   const fake = await startFakeAniworld({ series: [{
 *     slug: 'attack-on-titan', name: 'Attack on Titan', year: 2013,
 *     seasons: { 1: [{ episode: 1, title: 'Dir, 2000 Jahre später', titleEn: 'To You, in 2000 Years',
 *                      sources: [{ lang: 1, hoster: 'VOE', embedUrl: 'http://127.0.0.1:PORT/e/abc' }] }],
 *                0: [{ episode: 1, title: 'Film 1' }] },      // season 0 = movies/specials (/filme)
 *   }] });
 *   fake.url                              // http://127.0.0.1:PORT
 *   fake.addSeries(def)                   // add (or replace) a series
 *   fake.setSeries(defs)                  // exactly these series from now on
 *   fake.addEpisode(slug, season, ep)     // an episode "appears later" (creates the season if needed)
 *   fake.removeEpisode(slug, season, n)
 *   fake.setMode('ok' | 'challenge' | 'forbidden' | 'error500' | 'timeout' | 'changed')
 *   fake.setSeriesSearch(false)           // /ajax/seriesSearch answers 404 (only POST /ajax/search works)
 *   fake.requests                         // 'GET /anime/stream/x', 'POST /ajax/search', ... in order
 *   fake.redirectUrl(slug, season, episode, index)  // the absolute /redirect/{id} URL of a source
 *   await fake.close()
 *
 * Languages (data-lang-key): 1 German dub, 2 English sub, 3 German sub. Each source gets a
 * `/redirect/{id}` answering 302 to its embedUrl. Covers (`/public/img/cover/{slug}*.png`) are small PNGs. Search: GET
 * /ajax/seriesSearch?keyword=
 * (JSON, HTML-escaped text, matches name or alternative titles) and POST /ajax/search (form
 * `keyword`, `<em>` highlights, plus a non-series hit the product must ignore).
 * Modes: 'challenge' answers every page with a DDoS-Guard challenge page (status 200, so
 * detection must read the body), 'forbidden' a plain 403, 'error500' a 500, 'timeout' never
 * answers (until close), 'changed' serves pages whose structure changed (no title, no episode
 * table, no hoster list, search answers HTML).
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';

export type FakeMode = 'ok' | 'challenge' | 'forbidden' | 'error500' | 'timeout' | 'changed';

export interface FakeSource {
  lang: 1 | 2 | 3;
  hoster: string;
  embedUrl: string;
}

export interface FakeEpisode {
  episode: number;
  title?: string;
  titleEn?: string;
  sources?: FakeSource[];
}

export interface FakeSeries {
  slug: string;
  name: string;
  year?: number;
  endYear?: number;
  description?: string;
  genres?: string[];
  altTitles?: string[];
  cover?: string;
  /** season number → episodes; season 0 = movies and specials (served under /filme). */
  seasons?: Record<number, FakeEpisode[]>;
}

export interface FakeAniworld {
  url: string;
  requests: string[];
  addSeries(def: FakeSeries): void;
  setSeries(defs: FakeSeries[]): void;
  addEpisode(slug: string, season: number, ep: FakeEpisode): void;
  removeEpisode(slug: string, season: number, episode: number): void;
  setMode(mode: FakeMode): void;
  setSeriesSearch(enabled: boolean): void;
  redirectUrl(slug: string, season: number, episode: number, index?: number): string;
  close(): Promise<void>;
}

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#039;');

const LANG_FLAGS: Record<number, string> = { 1: 'german.svg', 2: 'japanese-english.svg', 3: 'japanese-german.svg' };

const CHALLENGE_PAGE = `<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body>
<div id="ddg-challenge">Checking your browser before accessing aniworld.to</div>
<script src="https://check.ddos-guard.net/check.js"></script></body></html>`;

function layout(title: string, body: string) {
  return `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>${esc(title)} | AniWorld.to</title></head>
<body><header><a href="/">AniWorld</a><a href="/support/regeln">Regeln</a></header>${body}</body></html>`;
}

export async function startFakeAniworld(options: { series?: FakeSeries[] } = {}): Promise<FakeAniworld> {
  const series = new Map<string, FakeSeries>();
  const redirects = new Map<string, string>();
  const redirectIds = new Map<string, string>(); // `${slug}/${season}/${episode}/${index}` → id
  let nextId = 1000;
  let mode: FakeMode = 'ok';
  let seriesSearch = true;
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let base = '';

  const addSeries = (def: FakeSeries) => series.set(def.slug, { ...def, seasons: { ...(def.seasons ?? {}) } });
  for (const s of options.series ?? []) addSeries(s);

  function redirectId(slug: string, season: number, episode: number, index: number, target: string): string {
    const k = `${slug}/${season}/${episode}/${index}`;
    let id = redirectIds.get(k);
    if (!id) {
      id = String(nextId++);
      redirectIds.set(k, id);
    }
    redirects.set(id, target);
    return id;
  }

  function seriesPage(s: FakeSeries): string {
    const seasons = Object.keys(s.seasons ?? {})
      .map(Number)
      .sort((a, b) => a - b);
    const links = seasons
      .map((n) =>
        n === 0
          ? `<li><a href="/anime/stream/${s.slug}/filme" title="Alle Filme">Filme</a></li>`
          : `<li><a href="/anime/stream/${s.slug}/staffel-${n}" title="Staffel ${n}">${n}</a></li>`,
      )
      .join('');
    const genres = (s.genres ?? []).map((g) => `<a href="/genre/${esc(g.toLowerCase())}" itemprop="genre">${esc(g)}</a>`).join('');
    return layout(
      s.name,
      `
<div class="seriesCoverBox"><img data-src="${esc(s.cover ?? `/public/img/cover/${s.slug}.png`)}" alt="${esc(s.name)}"></div>
<div class="series-title"><h1 itemprop="name"><span>${esc(s.name)}</span></h1>
<small data-alternativetitles="${esc((s.altTitles ?? []).join(', '))}"></small>
<span itemprop="startDate"><a href="/animes/jahr/${s.year ?? 2000}">${s.year ?? 2000}</a></span>
<span itemprop="endDate"><a>${s.endYear ?? 'Heute'}</a></span>
<div class="fsk" data-fsk="16"></div><a class="imdb-link" data-imdb="tt0000000"></a></div>
<p class="seri_des" data-full-description="${esc(s.description ?? '')}">${esc((s.description ?? '').slice(0, 100))}</p>
<div class="genres"><ul>${genres}</ul></div>
<div class="hosterSiteDirectNav" id="stream"><ul><li><span><strong>Staffeln:</strong></span></li>${links}</ul></div>`,
    );
  }

  function seasonPage(s: FakeSeries, season: number, eps: FakeEpisode[]): string {
    const rows = [...eps]
      .sort((a, b) => a.episode - b.episode)
      .map((e) => {
        const href =
          season === 0
            ? `/anime/stream/${s.slug}/filme/film-${e.episode}`
            : `/anime/stream/${s.slug}/staffel-${season}/episode-${e.episode}`;
        return (
          `<tr itemscope itemtype="http://schema.org/Episode" data-episode-id="${e.episode}">
<td class="season${season}EpisodeID"><meta itemprop="episodeNumber" content="${e.episode}"><a itemprop="url" ` +
          `href="${href}">${season === 0 ? 'Film' : 'Folge'} ${e.episode}</a></td>
<td class="seasonEpisodeTitle"><a href="${href}"><strong>${esc(e.title ?? '')}</strong> - <span>${esc(e.titleEn ?? '')}</span></a></td>
<td><a href="${href}"><img class="flag" src="/public/img/german.svg" title="Deutsch"><img class="flag" ` +
          `src="/public/img/japanese-english.svg"></a></td></tr>`
        );
      });
    return layout(
      `${s.name} Staffel ${season}`,
      `<div class="series-title"><h1><span>${esc(s.name)}</span></h1></div>
<table class="seasonEpisodesList" ` +
        `data-season-id="${season}"><thead><tr><th>Folge</th><th>Titel</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
    );
  }

  function episodePage(s: FakeSeries, season: number, e: FakeEpisode): string {
    const sources = e.sources ?? [];
    const langs = [...new Set(sources.map((x) => x.lang))];
    const items = sources.map((src, i) => {
      const id = redirectId(s.slug, season, e.episode, i, src.embedUrl);
      return (
        `<li class="col-md-3 col-xs-12 col-sm-6" data-lang-key="${src.lang}" data-link-id="${id}" ` +
        `data-link-target="/redirect/${id}" data-external-embed="false">
<div><a class="watchEpisode" itemprop="url" href="/redirect/${id}" target="_blank"><i class="icon ` +
        `${esc(src.hoster)}"></i><h4>${esc(src.hoster)}</h4><div class="hosterSiteVideoButton">Video öffnen</div></a></div></li>`
      );
    });
    return layout(
      `${s.name} Episode ${e.episode}`,
      `<div class="series-title"><h1><span>${esc(s.name)}</span></h1></div>
<div class="hosterSiteTitle"><h2><span class="episodeGermanTitle">${esc(e.title ?? '')}</span><small ` +
        `class="episodeEnglishTitle">${esc(e.titleEn ?? '')}</small></h2></div>
<div class="hosterSiteVideo"><div class="changeLanguageBox">${langs
          .map((l) => `<img data-lang-key="${l}" ` + `src="/public/img/${LANG_FLAGS[l]}">`)
          .join('')}</div>
<ul class="row">${items.join('\n')}</ul></div>`,
    );
  }

  function matches(s: FakeSeries, q: string): boolean {
    const needle = q.trim().toLowerCase();
    return !!needle && [s.name, ...(s.altTitles ?? [])].some((t) => t.toLowerCase().includes(needle));
  }

  function send(res: http.ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8') {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += chunk;

    if (mode === 'timeout') return; // never answers; the socket closes on close()
    if (mode === 'challenge') return send(res, 200, CHALLENGE_PAGE);
    if (mode === 'forbidden') return send(res, 403, '<html><body><h1>403 Forbidden</h1></body></html>');
    if (mode === 'error500') return send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>');
    const changed = mode === 'changed';

    if (path === '/') return send(res, 200, layout('AniWorld', '<div class="homeContent">Animes</div>'));
    const cover = /^\/public\/img\/cover\/([a-z0-9-]+)\.png$/.exec(path);
    if (cover) {
      const png = coverPng(cover[1]);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      return res.end(png);
    }

    if (path === '/ajax/seriesSearch' && seriesSearch) {
      if (changed) return send(res, 200, '<html><body>Suche wurde umgestellt</body></html>');
      const hits = [...series.values()].filter((s) => matches(s, url.searchParams.get('keyword') ?? ''));
      return send(
        res,
        200,
        JSON.stringify(
          hits.map((s) => ({
            name: esc(s.name),
            link: s.slug,
            cover: `/public/img/cover/${s.slug}-220x330.png`,
            productionYear: s.year ? `${s.year} - ${s.endYear ?? 'Heute'}` : '',
            description: esc(s.description ?? ''),
          })),
        ),
        'application/json',
      );
    }

    if (path === '/ajax/search' && req.method === 'POST') {
      if (changed) return send(res, 200, '<html><body>Suche wurde umgestellt</body></html>');
      const q = new URLSearchParams(body).get('keyword') ?? '';
      const hits = [...series.values()].filter((s) => matches(s, q));
      const out = hits.map((s) => ({
        title: esc(s.name).replace(new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), (m) => `<em>${m}</em>`),
        description: esc(s.description ?? ''),
        link: `/anime/stream/${s.slug}`,
      }));
      if (hits.length) out.push({ title: `Forum: ${esc(q)}`, description: '', link: '/support/forum/1' });
      return send(res, 200, JSON.stringify(out), 'application/json');
    }

    const redirect = /^\/redirect\/(\d+)$/.exec(path);
    if (redirect) {
      const target = redirects.get(redirect[1]);
      if (!target) return send(res, 404, layout('404', 'Nicht gefunden'));
      res.writeHead(302, { location: target });
      return res.end();
    }

    const m = /^\/anime\/stream\/([^/]+)(?:\/(staffel-(\d+)|filme)(?:\/(?:episode|film)-(\d+))?)?$/.exec(path);
    const s = m ? series.get(m[1]) : undefined;
    if (!m || !s) return send(res, 404, layout('404', '<h1>Seite nicht gefunden</h1>'));
    if (!m[2]) {
      if (changed) return send(res, 200, layout(s.name, `<div class="new-layout"><h2>${esc(s.name)}</h2></div>`));
      return send(res, 200, seriesPage(s));
    }
    const season = m[2] === 'filme' ? 0 : Number(m[3]);
    const eps = s.seasons?.[season];
    if (!eps) return send(res, 404, layout('404', '<h1>Staffel nicht gefunden</h1>'));
    if (m[4] === undefined) {
      if (changed) return send(res, 200, layout(s.name, '<div class="episodes-grid"></div>'));
      return send(res, 200, seasonPage(s, season, eps));
    }
    const ep = eps.find((e) => e.episode === Number(m[4]));
    if (!ep) return send(res, 404, layout('404', '<h1>Episode nicht gefunden</h1>'));
    if (changed) return send(res, 200, layout(s.name, '<div class="player-new"></div>'));
    return send(res, 200, episodePage(s, season, ep));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, String(err)));
  });
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    addSeries,
    setSeries(defs) {
      series.clear();
      for (const d of defs) addSeries(d);
    },
    addEpisode(slug, season, ep) {
      const s = series.get(slug);
      if (!s) throw new Error(`fake aniworld: no series ${slug}`);
      s.seasons ??= {};
      const list = (s.seasons[season] ??= []);
      const i = list.findIndex((e) => e.episode === ep.episode);
      if (i >= 0) list[i] = ep;
      else list.push(ep);
    },
    removeEpisode(slug, season, episode) {
      const list = series.get(slug)?.seasons?.[season];
      if (list) list.splice(list.findIndex((e) => e.episode === episode) >>> 0, 1);
    },
    setMode(m) {
      mode = m;
    },
    setSeriesSearch(enabled) {
      seriesSearch = enabled;
    },
    redirectUrl(slug, season, episode, index = 0) {
      const ep = series.get(slug)?.seasons?.[season]?.find((e) => e.episode === episode);
      const src = ep?.sources?.[index];
      if (!src) throw new Error(`fake aniworld: no source ${index} for ${slug} S${season}E${episode}`);
      return `${base}/redirect/${redirectId(slug, season, episode, index, src.embedUrl)}`;
    },
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A 44×66 PNG in one colour picked from the name (a stand-in poster). */
export function coverPng(name: string): Buffer {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const [r, g, b] = [h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff];
  const w = 44;
  const ht = 66;
  const row = Buffer.alloc(1 + w * 3);
  for (let x = 0; x < w; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: ht }, () => row));
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(ht, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A quick series definition: `episodes` per season, every episode with `sources` (default none). */
export function simpleSeries(
  slug: string,
  name: string,
  perSeason: Record<number, number>,
  extra: Partial<FakeSeries> = {},
  sources: (season: number, episode: number) => FakeSource[] = () => [],
): FakeSeries {
  const seasons: Record<number, FakeEpisode[]> = {};
  for (const [s, n] of Object.entries(perSeason)) {
    seasons[Number(s)] = Array.from({ length: n }, (_, i) => ({
      episode: i + 1,
      title: `Folge ${i + 1}`,
      titleEn: `Episode ${i + 1}`,
      sources: sources(Number(s), i + 1),
    }));
  }
  return { slug, name, seasons, ...extra };
}

/**
 * The slug the real site derives from a title (shared/providers.md): lower-cased, punctuation and
 * non-ASCII letters (umlauts) dropped, spaces as single `-`. `taken` makes it unique (`-2`, ...);
 * a title with nothing left gets `series-N`.
 */
export function siteSlug(title: string, taken: Set<string> = new Set()): string {
  let slug = title
    .toLowerCase()
    .replace(/[^a-z0-9\s-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  if (!slug) slug = `series-${taken.size + 1}`;
  let out = slug;
  for (let i = 2; taken.has(out); i++) out = `${slug}-${i}`;
  taken.add(out);
  return out;
}
