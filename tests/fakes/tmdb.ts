/**
 * A fake TMDB (API v3 + image server) on 127.0.0.1, serving the JSON fixtures in ./tmdb shaped
 * like TMDB's answers, TMDB's error bodies (401 invalid key, 404 unknown id, 429 with
 * Retry-After), and real images generated with ffmpeg. Tests point TMDB_API_URL / TMDB_IMAGE_URL
 * here. Series 70000-70999 are generated ("Batch Show <n>") for batch runs.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Loose } from '../helpers/http.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const FIXTURES = path.join(import.meta.dirname, 'tmdb');
/** A TMDB answer as the fixtures hold it (read as JSON, served as JSON). */
type TmdbJson = Record<string, Loose>;

export const FAKE_TMDB_KEY = '0123456789abcdef0123456789abcdef';
export const FAKE_TMDB_V4 = 'eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJmYWtlLXRtZGIiLCJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLW9mLXRoZS1mYWtl';

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  at: number;
  status: number;
}

export interface FakeTmdb {
  apiUrl: string;
  imageUrl: string;
  requests: RecordedRequest[];
  /** Most API requests in flight at once since the last reset. */
  maxInFlight(): number;
  reset(): void;
  /** The next `count` API requests answer 429 with `Retry-After: seconds`. */
  rateLimitNext(count: number, seconds: number): void;
  /** Delay of every API answer (ms), so concurrent work overlaps measurably. */
  setLatency(ms: number): void;
  /** A show served besides the fixtures (e.g. with air dates relative to today): its seasons' episodes by number. */
  addShow(show: AddedShow): void;
  /** The exact bytes the image server sends for a file path. */
  imageBytes(filePath: string): Promise<Buffer>;
  imageRequests(): { size: string; file: string }[];
  close(): Promise<void>;
}

export interface AddedShow {
  id: number;
  name: string;
  first_air_date: string;
  seasons: Record<number, { episode_number: number; name: string; air_date: string | null }[]>;
  /** TMDB episode groups of the show (e.g. its cours as seasons): parts by order, episodes by order. */
  episode_groups?: {
    id: string;
    name: string;
    type: number;
    groups: { name: string; order: number; episodes: { season_number: number; episode_number: number; order: number }[] }[];
  }[];
}

const imageCache = new Map<string, Promise<Buffer>>();
const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-tmdb-img-'));

/** A small real JPEG/PNG per file path: colour from the name, dimensions from its kind. */
function makeImage(file: string): Promise<Buffer> {
  let p = imageCache.get(file);
  if (!p) {
    p = (async () => {
      if (file.includes('huge')) {
        // Starts like a JPEG, then 2 MiB of noise: over a 1 MiB cap.
        return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(2 * 1024 * 1024)]);
      }
      const colour = crypto.createHash('md5').update(file).digest('hex').slice(0, 6);
      const size =
        file.includes('poster') || file.includes('season')
          ? '60x90'
          : file.includes('logo')
            ? '120x48'
            : file.includes('-s0')
              ? '96x54'
              : '160x90';
      const ext = file.endsWith('.png') ? 'png' : 'jpg';
      const out = path.join(imageDir, `${colour}-${size}.${ext}`);
      await run(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${colour}:s=${size}`, '-frames:v', '1', out]);
      return fs.readFileSync(out);
    })();
    imageCache.set(file, p);
  }
  return p;
}

function readFixture(name: string): TmdbJson | null {
  const file = path.join(FIXTURES, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

function generatedShow(id: number): TmdbJson | null {
  if (id < 70000 || id > 70999) return null;
  const n = id - 70000;
  return {
    id,
    name: `Batch Show ${n}`,
    original_name: `Batch Show ${n}`,
    overview: `Automatisch erzeugte Serie Nummer ${n}.`,
    first_air_date: `20${String(10 + (n % 10)).padStart(2, '0')}-01-0${1 + (n % 9)}`,
    episode_run_time: [24],
    poster_path: '/batch-poster.jpg',
    backdrop_path: null,
    status: 'Ended',
    vote_average: 7,
    vote_count: 10 + n,
    genres: [{ id: 16, name: 'Animation' }],
    seasons: [{ id: id * 10 + 1, season_number: 1, name: 'Staffel 1', poster_path: null, episode_count: 1 }],
    credits: { cast: [] },
    external_ids: { imdb_id: null, tvdb_id: null },
    images: { posters: [], backdrops: [], logos: [] },
    content_ratings: { results: [] },
    keywords: { results: [] },
  };
}

function show(id: number, lang: string): TmdbJson | null {
  return readFixture(`tv-${id}.${lang}.json`) ?? readFixture(`tv-${id}.de-DE.json`) ?? generatedShow(id);
}

function catalogue(): TmdbJson[] {
  const ids = fs
    .readdirSync(FIXTURES)
    .map((f) => /^tv-(\d+)\.de-DE\.json$/.exec(f)?.[1])
    .filter(Boolean)
    .map(Number);
  const all = ids.map((id) => show(id, 'de-DE')!);
  for (let n = 0; n < 100; n++) all.push(generatedShow(70000 + n)!);
  return all;
}

const APPENDABLE = ['credits', 'external_ids', 'images', 'content_ratings', 'keywords'];

export async function startFakeTmdb(): Promise<FakeTmdb> {
  const requests: RecordedRequest[] = [];
  const imageHits: { size: string; file: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let limited = 0;
  let retryAfter = 1;
  let latency = 0;
  const added = new Map<number, AddedShow>();
  const addedShow = (a: AddedShow) => ({
    id: a.id,
    name: a.name,
    original_name: a.name,
    overview: '',
    first_air_date: a.first_air_date,
    episode_run_time: [24],
    poster_path: null,
    backdrop_path: null,
    status: 'Returning Series',
    vote_average: 7,
    vote_count: 1,
    genres: [],
    seasons: Object.entries(a.seasons).map(([n, eps]) => ({
      id: a.id * 10 + Number(n),
      season_number: Number(n),
      name: `Staffel ${n}`,
      poster_path: null,
      episode_count: eps.length,
    })),
  });

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { status_code: code, status_message: message, success: false }, headers);

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<number> {
    const q = Object.fromEntries(url.searchParams);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (q.api_key !== FAKE_TMDB_KEY && bearer !== FAKE_TMDB_V4) {
      error(res, 401, 7, 'Invalid API key: You must be granted a valid key.');
      return 401;
    }
    if (limited > 0) {
      limited--;
      error(res, 429, 25, 'Your request count (41) is over the allowed limit of (40).', { 'retry-after': String(retryAfter) });
      return 429;
    }
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const lang = q.language ?? 'en-US';
    const p = url.pathname.replace(/^\/3/, '');
    let m: RegExpExecArray | null;
    if (p === '/configuration') {
      send(res, 200, readFixture('configuration.json'));
      return 200;
    }
    if (p === '/search/tv') {
      const query = (q.query ?? '').toLowerCase();
      const year = q.first_air_date_year;
      const results = catalogue()
        .filter(
          (s) =>
            s.name.toLowerCase().includes(query) ||
            String(s.original_name ?? '')
              .toLowerCase()
              .includes(query),
        )
        .filter((s) => !year || String(s.first_air_date ?? '').startsWith(year))
        .map((s) => ({
          adult: false,
          backdrop_path: s.backdrop_path ?? null,
          genre_ids: (s.genres ?? []).map((g: { id: number }) => g.id),
          id: s.id,
          origin_country: s.origin_country ?? [],
          original_language: s.original_language ?? 'ja',
          original_name: s.original_name ?? s.name,
          overview: s.overview ?? '',
          popularity: 10,
          poster_path: s.poster_path ?? null,
          first_air_date: s.first_air_date ?? '',
          name: s.name,
          vote_average: s.vote_average ?? 0,
          vote_count: s.vote_count ?? 0,
        }));
      send(res, 200, { page: 1, results, total_pages: 1, total_results: results.length });
      return 200;
    }
    if ((m = /^\/tv\/(\d+)\/episode_groups$/.exec(p))) {
      const a = added.get(Number(m[1]));
      if (a || show(Number(m[1]), 'de-DE')) {
        send(res, 200, {
          id: Number(m[1]),
          results: (a?.episode_groups ?? []).map((g) => ({
            id: g.id,
            name: g.name,
            type: g.type,
            description: '',
            group_count: g.groups.length,
            episode_count: g.groups.reduce((n, x) => n + x.episodes.length, 0),
            network: null,
          })),
        });
        return 200;
      }
    } else if ((m = /^\/tv\/episode_group\/([0-9a-f]+)$/.exec(p))) {
      for (const a of added.values()) {
        const g = a.episode_groups?.find((x) => x.id === m![1]);
        if (!g) continue;
        const ep = (season: number, n: number) => a.seasons[season]?.find((e) => e.episode_number === n);
        send(res, 200, {
          id: g.id,
          name: g.name,
          type: g.type,
          description: '',
          groups: g.groups.map((part, i) => ({
            id: `${g.id.slice(0, 20)}${String(i).padStart(4, '0')}`,
            name: part.name,
            order: part.order,
            locked: true,
            episodes: part.episodes.map((e) => ({
              id: a.id * 1000 + e.season_number * 100 + e.episode_number,
              season_number: e.season_number,
              episode_number: e.episode_number,
              order: e.order,
              name: ep(e.season_number, e.episode_number)?.name ?? '',
              air_date: ep(e.season_number, e.episode_number)?.air_date ?? null,
            })),
          })),
        });
        return 200;
      }
    } else if ((m = /^\/tv\/(\d+)\/season\/(\d+)\/images$/.exec(p))) {
      // TMDB answers posters for every season, backdrops only where it has season fanart
      const id = Number(m[1]);
      const n = Number(m[2]);
      const fixture = readFixture(`tv-${id}-season-${n}-images.json`);
      const known =
        added.get(id)?.seasons[n] ?? (show(id, 'de-DE')?.seasons ?? []).find((s: { season_number: number }) => s.season_number === n);
      if (fixture || known) {
        send(res, 200, fixture ?? { id: id * 10 + n, posters: [] });
        return 200;
      }
    } else if ((m = /^\/tv\/(\d+)\/season\/(\d+)$/.exec(p))) {
      const id = Number(m[1]);
      const n = Number(m[2]);
      const eps = added.get(id)?.seasons[n];
      if (eps) {
        send(res, 200, {
          id: id * 10 + n,
          season_number: n,
          name: `Staffel ${n}`,
          poster_path: null,
          episodes: eps.map((e) => ({
            id: id * 1000 + n * 100 + e.episode_number,
            season_number: n,
            episode_number: e.episode_number,
            name: e.name,
            overview: '',
            air_date: e.air_date,
            runtime: 24,
            still_path: null,
            vote_average: 0,
            vote_count: 0,
          })),
        });
        return 200;
      }
      const body = readFixture(`tv-${id}-season-${n}.${lang}.json`) ?? readFixture(`tv-${id}-season-${n}.de-DE.json`);
      if (body) {
        send(res, 200, body);
        return 200;
      }
      const gen = generatedShow(id);
      if (gen && n === 1) {
        send(res, 200, {
          id: id * 10 + 1,
          season_number: 1,
          name: 'Staffel 1',
          poster_path: null,
          episodes: [
            {
              id: id * 100 + 1,
              season_number: 1,
              episode_number: 1,
              name: 'Pilot',
              overview: 'Der Anfang.',
              air_date: gen.first_air_date,
              runtime: 24,
              still_path: null,
              vote_average: 7,
              vote_count: 3,
            },
          ],
        });
        return 200;
      }
    } else if ((m = /^\/tv\/(\d+)$/.exec(p))) {
      const extra = added.get(Number(m[1]));
      const body: TmdbJson | null = extra ? addedShow(extra) : show(Number(m[1]), lang);
      if (body) {
        const append = (q.append_to_response ?? '').split(',');
        for (const k of APPENDABLE) if (!append.includes(k)) delete body[k];
        send(res, 200, body);
        return 200;
      }
    }
    error(res, 404, 34, 'The resource you requested could not be found.');
    return 404;
  }

  async function image(res: http.ServerResponse, url: URL) {
    const m = /^\/t\/p\/([a-z0-9]+)(\/.+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const file = m[2];
    imageHits.push({ size: m[1], file });
    if (file.includes('html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>not an image</body></html>');
      return;
    }
    const bytes = await makeImage(file);
    res.writeHead(200, { 'content-type': file.endsWith('.png') ? 'image/png' : 'image/jpeg', 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/t/p/')) {
      image(res, url).catch((err) => res.writeHead(500).end(String(err)));
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const rec: RecordedRequest = {
      path: url.pathname.replace(/^\/3/, ''),
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization ?? null,
      at: Date.now(),
      status: 0,
    };
    requests.push(rec);
    api(req, res, url)
      .then((status) => (rec.status = status))
      .catch((err) => res.writeHead(500).end(String(err)))
      .finally(() => inFlight--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/3`,
    imageUrl: `http://127.0.0.1:${port}/t/p`,
    requests,
    maxInFlight: () => maxInFlight,
    reset: () => {
      requests.length = 0;
      imageHits.length = 0;
      maxInFlight = inFlight;
      limited = 0;
    },
    rateLimitNext: (count, seconds) => {
      limited = count;
      retryAfter = seconds;
    },
    setLatency: (ms) => (latency = ms),
    addShow: (a) => {
      added.set(a.id, a);
    },
    imageBytes: makeImage,
    imageRequests: () => [...imageHits],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
