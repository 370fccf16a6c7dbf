import type { Deps } from '../deps.js';
import { HttpClient, HttpError, type HttpRequestOptions, type HttpResponse } from '../net/httpClient.js';
import { ServiceUnavailable } from '../errors.js';

/**
 * Reading a user's public list: AniList over GraphQL (`MediaListCollection`-style paged
 * `Page.mediaList`), MyAnimeList over the public list's JSON (`/animelist/<user>/load.json`, 300
 * per page). Every answer is byte-capped by the HTTP client; base URLs come from ANILIST_URL /
 * MYANIMELIST_URL (tests point them at fakes on 127.0.0.1).
 */

export type ListService = 'anilist' | 'myanimelist';
export type ListStatus = 'watching' | 'planning';

export interface ListEntry {
  external_id: string;
  /** The titles to match, best first (English, romaji, native, synonyms). */
  titles: string[];
  year: number | null;
}

export const DEFAULT_ANILIST_URL = 'https://graphql.anilist.co';
export const DEFAULT_MYANIMELIST_URL = 'https://myanimelist.net';
/** A list bigger than this is read in part (and says so in the log). */
const MAX_ENTRIES = 5000;
const LIST_MAX_BYTES = 2 * 1024 * 1024;

const ANILIST_STATUS: Record<ListStatus, string> = { watching: 'CURRENT', planning: 'PLANNING' };
// MyAnimeList's status numbers: 1 watching, 6 plan to watch
const MAL_STATUS: Record<ListStatus, number> = { watching: 1, planning: 6 };

const ANILIST_QUERY = `query ($user: String, $status: MediaListStatus, $page: Int) {
  Page(page: $page, perPage: 50) {
    pageInfo { hasNextPage }
    mediaList(userName: $user, type: ANIME, status: $status) {
      media { id title { english romaji native } synonyms startDate { year } }
    }
  }
}`;

interface AniListPage {
  data?: {
    Page?: {
      pageInfo?: { hasNextPage?: boolean };
      mediaList?: {
        media?: { id: number; title?: Record<string, string | null>; synonyms?: string[] | null; startDate?: { year?: number | null } };
      }[];
    };
  };
  errors?: { message: string; status?: number }[];
}

interface MalEntry {
  anime_id: number;
  anime_title: string | number;
  anime_title_eng?: string | number | null;
  anime_start_date_string?: string | null;
  anime_airing_status?: number;
}

/** What reading a list needs: the services' URLs (env, for tests) and their client. */
export type ListsCtx = Pick<Deps, 'env' | 'listsHttp'>;

/** The client for AniList and MyAnimeList: built once by the app (deps.listsHttp). */
export function listsClient(version: string): HttpClient {
  return new HttpClient({
    userAgent: `Aniworld/${version} (+self-hosted)`,
    timeoutMs: 20_000,
    retries: 2,
    perHostConcurrency: 2,
    maxBytes: LIST_MAX_BYTES,
  });
}

/** A transport failure (unreachable, timeout, over the byte cap) as a 503 naming the service. */
async function get(deps: Pick<Deps, 'listsHttp'>, what: string, url: string, o: HttpRequestOptions): Promise<HttpResponse> {
  try {
    return await deps.listsHttp.fetch(url, o);
  } catch (err) {
    if (err instanceof HttpError) throw new ServiceUnavailable(`${what} unreachable: ${err.message}`);
    throw err;
  }
}

const uniq = (xs: (string | number | null | undefined)[]) => [
  ...new Set(xs.filter((x) => x !== null && x !== undefined && String(x).trim()).map((x) => String(x).trim())),
];

async function readAniList(deps: ListsCtx, user: string, status: ListStatus): Promise<ListEntry[]> {
  const url = (deps.env.ANILIST_URL ?? DEFAULT_ANILIST_URL).replace(/\/+$/, '');
  const out: ListEntry[] = [];
  for (let page = 1; out.length < MAX_ENTRIES; page++) {
    const res = await get(deps, 'AniList', url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: ANILIST_QUERY, variables: { user, status: ANILIST_STATUS[status], page } }),
    });
    let body: AniListPage;
    try {
      body = res.json<AniListPage>();
    } catch {
      throw new ServiceUnavailable(`AniList answered HTTP ${res.status} without JSON`);
    }
    if (body.errors?.length) throw new ServiceUnavailable(`AniList: ${body.errors.map((e) => e.message).join('; ')}`);
    if (res.status !== 200 || !body.data?.Page) throw new ServiceUnavailable(`AniList answered HTTP ${res.status}`);
    for (const { media } of body.data.Page.mediaList ?? []) {
      if (!media) continue;
      out.push({
        external_id: String(media.id),
        titles: uniq([media.title?.english, media.title?.romaji, ...(media.synonyms ?? []), media.title?.native]),
        year: media.startDate?.year ?? null,
      });
    }
    if (!body.data.Page.pageInfo?.hasNextPage) break;
  }
  return out;
}

async function readMyAnimeList(deps: ListsCtx, user: string, status: ListStatus): Promise<ListEntry[]> {
  const base = (deps.env.MYANIMELIST_URL ?? DEFAULT_MYANIMELIST_URL).replace(/\/+$/, '');
  const out: ListEntry[] = [];
  for (let offset = 0; out.length < MAX_ENTRIES;) {
    const res = await get(
      deps,
      'MyAnimeList',
      `${base}/animelist/${encodeURIComponent(user)}/load.json?status=${MAL_STATUS[status]}&offset=${offset}`,
      { headers: { accept: 'application/json' } },
    );
    if (res.status === 400 || res.status === 404)
      throw new ServiceUnavailable(`MyAnimeList has no public list of '${user}' (HTTP ${res.status})`);
    if (res.status !== 200) throw new ServiceUnavailable(`MyAnimeList answered HTTP ${res.status}`);
    let rows: MalEntry[];
    try {
      rows = res.json<MalEntry[]>();
    } catch {
      throw new ServiceUnavailable('MyAnimeList answered without JSON');
    }
    if (!Array.isArray(rows)) throw new ServiceUnavailable('MyAnimeList answered something other than a list');
    for (const r of rows) {
      out.push({
        external_id: String(r.anime_id),
        titles: uniq([r.anime_title_eng, r.anime_title]),
        year: malYear(r.anime_start_date_string),
      });
    }
    if (rows.length < 300) break;
    offset += rows.length;
  }
  return out;
}

/** MyAnimeList writes start dates as MM-DD-YY (or with a four-digit year). */
function malYear(date: string | null | undefined): number | null {
  const four = /(\d{4})/.exec(date ?? '')?.[1];
  if (four) return Number(four);
  const two = /^\d{2}-\d{2}-(\d{2})$/.exec(date ?? '')?.[1];
  return two ? (Number(two) >= 60 ? 1900 : 2000) + Number(two) : null;
}

/** The list's entries for the chosen statuses (an entry in two of them is returned once). */
export async function readList(deps: ListsCtx, service: ListService, user: string, statuses: readonly ListStatus[]): Promise<ListEntry[]> {
  const seen = new Map<string, ListEntry>();
  for (const s of statuses) {
    const entries = service === 'anilist' ? await readAniList(deps, user, s) : await readMyAnimeList(deps, user, s);
    for (const e of entries) if (!seen.has(e.external_id)) seen.set(e.external_id, e);
  }
  return [...seen.values()];
}
