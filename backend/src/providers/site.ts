import { parse, type HTMLElement } from 'node-html-parser';
import { HttpClient, HttpError, ResponseTooLarge, type HttpRequestOptions, type HttpResponse } from '../net/httpClient.js';
import { ProviderBlocked, ProviderChanged, ProviderNotFound, ProviderTooLarge, ProviderUnavailable } from './errors.js';

/** What one provider instance is built from (its config section, resolved). */
export interface SiteOptions {
  id: string;
  baseUrl: string;
  extraDomains: string[];
  userAgent: string;
  proxy: string | null;
  timeoutMs: number;
  retries: number;
  perHostConcurrency: number;
}

const CHALLENGE_MARKERS = [
  /<title>\s*(just a moment|attention required|ddos-guard|checking your browser|ddos protection)/i,
  /challenge-platform|cf-browser-verification|cf_chl_opt|cf-challenge|ddos-guard\/js-challenge|__ddg\d?_|check\.ddos-guard\.net/i,
];

export function looksLikeChallenge(body: string): boolean {
  const head = body.slice(0, 20_000);
  return CHALLENGE_MARKERS.some((re) => re.test(head));
}

/**
 * One provider site: the HTTP client (browser-like headers, proxy, per-host limit) and the
 * classification of answers into the provider errors. Pages are only parsed after `get` says
 * they are real pages.
 */
export class Site {
  readonly http: HttpClient;
  readonly base: URL;

  constructor(readonly opts: SiteOptions) {
    this.base = new URL(opts.baseUrl);
    this.http = new HttpClient({
      userAgent: opts.userAgent,
      proxy: opts.proxy,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      perHostConcurrency: opts.perHostConcurrency,
      headers: { referer: this.base.origin + '/', 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' },
    });
  }

  get id(): string {
    return this.opts.id;
  }

  abs(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.base.origin + '/').toString();
  }

  /** True when `url` points at this site (base URL or one of the extra domains). */
  ownsUrl(url: URL): boolean {
    const hosts = [this.base.host, ...this.opts.extraDomains.map((d) => d.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))];
    return hosts.some((h) => h.toLowerCase() === url.host.toLowerCase());
  }

  async request(pathOrUrl: string, o: HttpRequestOptions = {}, what = 'page'): Promise<HttpResponse> {
    const url = this.abs(pathOrUrl);
    let res: HttpResponse;
    try {
      res = await this.http.fetch(url, o);
    } catch (err) {
      if (err instanceof ResponseTooLarge) throw new ProviderTooLarge(this.id, what, err.limit);
      if (err instanceof HttpError) {
        const timeout = /TIMEOUT|timed? ?out|aborted/i.test(`${err.code ?? ''} ${err.message}`);
        throw new ProviderUnavailable(this.id, timeout ? `did not answer in time (${what})` : `is unreachable: ${err.message}`);
      }
      throw err;
    }
    const text = res.status >= 400 || (res.headers['content-type'] ?? '').includes('html') ? res.text() : '';
    if (res.status === 403 || res.status === 429) {
      throw new ProviderBlocked(this.id, looksLikeChallenge(text) ? 'a challenge page' : `${res.status} ${res.status === 403 ? 'Forbidden' : 'Too Many Requests'}`);
    }
    if (looksLikeChallenge(text)) throw new ProviderBlocked(this.id, 'a challenge page');
    if (res.status === 404) throw new ProviderNotFound(this.id, what);
    if (res.status >= 500) throw new ProviderUnavailable(this.id, `answered ${res.status} (${what})`);
    if (res.status >= 400) throw new ProviderUnavailable(this.id, `answered ${res.status} (${what})`);
    return res;
  }

  async html(pathOrUrl: string, what: string, o: HttpRequestOptions = {}): Promise<HTMLElement> {
    const res = await this.request(pathOrUrl, o, what);
    return parse(res.text());
  }

  async json<T>(pathOrUrl: string, what: string, o: HttpRequestOptions = {}): Promise<T> {
    const res = await this.request(pathOrUrl, o, what);
    try {
      return res.json<T>();
    } catch {
      throw new ProviderChanged(this.id, `JSON in the ${what} answer`, res.url);
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** Decodes HTML entities and drops tags (`<em>` highlights) from a provider text field. */
export function plainText(s: string | null | undefined): string {
  if (!s) return '';
  return parse(`<p>${s}</p>`).text.replace(/\s+/g, ' ').trim();
}

export function firstYear(v: unknown): number | null {
  const m = /\b(19|20)\d{2}\b/.exec(String(v ?? ''));
  return m ? Number(m[0]) : null;
}

/** The decoded text of an element (already entity-decoded by the parser), whitespace collapsed. */
export function textOf(el: { text: string } | null | undefined): string {
  return (el?.text ?? '').replace(/\s+/g, ' ').trim();
}
