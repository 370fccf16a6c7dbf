import type { Deps } from '../deps.js';
import { HttpClient, HttpError, type HttpResponse } from '../net/httpClient.js';
import { AppError, NotFound, ServiceUnavailable } from '../errors.js';
import { cacheGet, cachePut } from './repo.js';
import type { TmdbConfiguration, TmdbSearch, TmdbSeason, TmdbSeasonImages, TmdbTv } from './tmdbTypes.js';

/**
 * TMDB API v3 over the project's HTTP client. Auth by a v3 api_key (query) or a v4 read token
 * (Bearer); the credential never appears in a cache key, an error or a log line. Answers are
 * cached in Postgres (24 h; /configuration for 3 days). 429 answers are retried after Retry-After.
 */

export const DEFAULT_API_URL = 'https://api.themoviedb.org/3';
export const DEFAULT_IMAGE_URL = 'https://image.tmdb.org/t/p';
const DAY = 24 * 3600_000;
const MAX_429_RETRIES = 4;
const MAX_RETRY_AFTER_S = 30;

export class TmdbNotConfigured extends ServiceUnavailable {
  constructor() {
    super('TMDB API key is not configured (settings: tmdb.api_key or env TMDB_API_KEY)');
  }
}

/** A v4 read access token is a JWT; a v3 key is 32 hex characters. */
export function isV4Token(key: string): boolean {
  return key.split('.').length === 3 && key.length > 40;
}

function retryAfterSeconds(h: string | undefined, now: Date): number {
  if (!h) return 1;
  const n = Number(h);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, (at - now.getTime()) / 1000) : 1;
}

function pick404(err: AppError) {
  return { status_code: err.details.tmdb_status_code ?? null, status_message: err.details.tmdb_message ?? null };
}

export class TmdbClient {
  readonly http: HttpClient;
  private log;

  constructor(private readonly deps: Pick<Deps, 'version' | 'log' | 'env' | 'settings' | 'clock' | 'db'>) {
    this.http = new HttpClient({
      userAgent: `Aniworld/${deps.version} (+self-hosted)`,
      timeoutMs: 20_000,
      retries: 2,
      perHostConcurrency: 8,
      headers: { accept: 'application/json' },
    });
    this.log = deps.log.child({ module: 'tmdb' });
  }

  get apiUrl(): string {
    return (this.deps.env.TMDB_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  }

  /** The configured image host (not /configuration's secure_base_url): artwork is only fetched from here. */
  get imageUrl(): string {
    return (this.deps.env.TMDB_IMAGE_URL ?? DEFAULT_IMAGE_URL).replace(/\/+$/, '');
  }

  configured(): boolean {
    return !!this.deps.settings.get().tmdb.api_key;
  }

  /** Throws 503 when no key is set (every NFO endpoint needs TMDB). */
  requireKey(): string {
    const key = this.deps.settings.get().tmdb.api_key;
    if (!key) throw new TmdbNotConfigured();
    return key;
  }

  get language(): string {
    return this.deps.settings.get().tmdb.language;
  }

  async configuration(): Promise<TmdbConfiguration> {
    return this.get<TmdbConfiguration>('/configuration', {}, 3 * DAY);
  }

  async searchTv(query: string, year?: number | null): Promise<TmdbSearch> {
    const params: Record<string, string> = { query, language: this.language, include_adult: 'false', page: '1' };
    if (year) params.first_air_date_year = String(year);
    return this.get<TmdbSearch>('/search/tv', params);
  }

  /** `fresh`: skip the cache (an explicit update); the answer still refreshes it. */
  async tv(id: number, fresh = false): Promise<TmdbTv> {
    const lang = this.language;
    return this.get<TmdbTv>(
      `/tv/${id}`,
      {
        language: lang,
        append_to_response: 'credits,external_ids,images,content_ratings,keywords',
        include_image_language: `${lang.slice(0, 2)},en,null`,
      },
      DAY,
      fresh,
    );
  }

  async season(id: number, n: number, fresh = false): Promise<TmdbSeason> {
    return this.get<TmdbSeason>(`/tv/${id}/season/${n}`, { language: this.language }, DAY, fresh);
  }

  async seasonImages(id: number, n: number, fresh = false): Promise<TmdbSeasonImages> {
    const lang = this.language;
    return this.get<TmdbSeasonImages>(
      `/tv/${id}/season/${n}/images`,
      { include_image_language: `${lang.slice(0, 2)},en,null` },
      DAY,
      fresh,
    );
  }

  /** A GET against the API, answered from the cache when fresh. */
  async get<T>(path: string, params: Record<string, string>, ttlMs = DAY, fresh = false): Promise<T> {
    const key = this.requireKey();
    const query = new URLSearchParams(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    const cacheKey = `${path}?${query.toString()}`;
    const now = this.deps.clock.now();
    const cached = fresh
      ? null
      : ((await cacheGet(this.deps.db, cacheKey, now)) as { missing?: true; status_code?: number; status_message?: string } | null);
    if (cached?.missing)
      throw new NotFound(`TMDB has nothing at ${path}`, {
        tmdb_status: 404,
        tmdb_status_code: cached.status_code ?? null,
        tmdb_message: cached.status_message ?? null,
      });
    if (cached !== null) return cached as T;

    const headers: Record<string, string> = {};
    if (isV4Token(key)) headers.authorization = `Bearer ${key}`;
    else query.set('api_key', key);
    const url = `${this.apiUrl}${path}?${query.toString()}`;

    let res: HttpResponse;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.http.fetch(url, { headers });
      } catch (err) {
        // HttpError carries the URL (and so the key): rethrow without it.
        const msg = err instanceof HttpError ? err.message : (err as Error).message;
        this.log.warn({ path, err: msg.replaceAll(key, '***') }, 'TMDB unreachable');
        throw new ServiceUnavailable(`TMDB unreachable: ${msg.replaceAll(key, '***')}`);
      }
      if (res.status !== 429 || attempt >= MAX_429_RETRIES) break;
      const wait = Math.min(MAX_RETRY_AFTER_S, retryAfterSeconds(res.headers['retry-after'], this.deps.clock.now()));
      this.log.info({ path, wait_s: wait, attempt: attempt + 1 }, 'TMDB rate limit; waiting as told by Retry-After');
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
    if (res.status >= 200 && res.status < 300) {
      const body = res.json<T>();
      await cachePut(this.deps.db, cacheKey, body, this.deps.clock.now(), ttlMs);
      return body;
    }
    const err = this.mapError(res, path);
    // "Nothing there" is an answer too (a season TMDB lacks): remember it for a while.
    if (res.status === 404) await cachePut(this.deps.db, cacheKey, { missing: true, ...pick404(err) }, this.deps.clock.now(), DAY / 4);
    throw err;
  }

  private mapError(res: HttpResponse, path: string): AppError {
    let code: number | undefined;
    let message = '';
    try {
      const b = res.json<{ status_code?: number; status_message?: string }>();
      code = b.status_code;
      message = b.status_message ?? '';
    } catch {
      /* not JSON */
    }
    this.log.warn({ path, status: res.status, tmdb_status_code: code, tmdb_message: message }, 'TMDB answered with an error');
    const details = { tmdb_status: res.status, tmdb_status_code: code ?? null, tmdb_message: message || null };
    if (res.status === 401 || code === 7 || code === 3 || code === 10) return new ServiceUnavailable('TMDB API key rejected', details);
    if (res.status === 404) return new NotFound(`TMDB has nothing at ${path}`, details);
    if (res.status === 429) return new ServiceUnavailable('TMDB rate limit: still limited after waiting', details);
    return new ServiceUnavailable(`TMDB error ${res.status}${message ? `: ${message}` : ''}`, details);
  }
}
