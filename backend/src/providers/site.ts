import { parse, type HTMLElement } from 'node-html-parser';
import { HttpClient, HttpError, ResponseTooLarge, type HttpRequestOptions, type HttpResponse } from '../net/httpClient.js';
import { cleanText } from '../util/text.js';
import { ProviderBlocked, ProviderChanged, ProviderNotFound, ProviderTooLarge, ProviderUnavailable } from './errors.js';
import { siteHosts } from './domains.js';
import type { Logger } from '../log.js';

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
  log?: Logger;
}

const CHALLENGE_MARKERS = [
  /<title>\s*(just a moment|attention required|ddos-guard|checking your browser|ddos protection)/i,
  /challenge-platform|cf-browser-verification|cf_chl_opt|cf-challenge|ddos-guard\/js-challenge|__ddg\d?_|check\.ddos-guard\.net/i,
];

export function looksLikeChallenge(body: string): boolean {
  const head = body.slice(0, 20_000);
  return CHALLENGE_MARKERS.some((re) => re.test(head));
}

const MAX_HOPS = 5;

/**
 * One provider site: the HTTP client (browser-like headers, proxy, per-host limit) and the
 * classification of answers into the provider errors. Pages are only parsed after `get` says
 * they are real pages. Redirects are followed only to the site's own domains (domains.ts); one
 * that moves the site from its active domain to another listed one makes that one active.
 */
export class Site {
  readonly http: HttpClient;
  base: URL;

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

  /** Every host this site answers under (active, known, extra). */
  hosts(): string[] {
    return siteHosts(this.opts.id, this.base.host, this.opts.extraDomains);
  }

  /** True when `url` points at this site (its active, known or extra domains). */
  ownsUrl(url: URL): boolean {
    return this.hosts().includes(url.host.toLowerCase());
  }

  /** The site moved: `origin` is its active domain from now on. */
  private moveTo(to: URL): void {
    const from = this.base.origin;
    this.base = new URL(to.origin);
    this.opts.log?.warn({ provider: this.id, from, to: to.origin }, 'provider moved to another of its domains; it is the active one now');
  }

  async request(pathOrUrl: string, o: HttpRequestOptions = {}, what = 'page'): Promise<HttpResponse> {
    let url = this.abs(pathOrUrl);
    let res = await this.fetchOnce(url, o, what);
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.location; hops++) {
      const to = new URL(res.headers.location, url);
      if (hops >= MAX_HOPS) throw new ProviderUnavailable(this.id, `redirected too often (${what})`);
      if (!this.ownsUrl(to))
        throw new ProviderUnavailable(
          this.id,
          `redirected to ${to.host}, which is not one of its domains (add it to the provider's extra domains)`,
        );
      if (to.host !== new URL(url).host && new URL(url).host === this.base.host) this.moveTo(to);
      url = to.toString();
      res = await this.fetchOnce(url, o, what);
    }
    return this.classify(res, what);
  }

  private async fetchOnce(url: string, o: HttpRequestOptions, what: string): Promise<HttpResponse> {
    try {
      return await this.http.fetch(url, { ...o, followRedirects: false });
    } catch (err) {
      if (err instanceof ResponseTooLarge) throw new ProviderTooLarge(this.id, what, err.limit);
      if (err instanceof HttpError) {
        const timeout = /TIMEOUT|timed? ?out|aborted/i.test(`${err.code ?? ''} ${err.message}`);
        throw new ProviderUnavailable(this.id, timeout ? `did not answer in time (${what})` : `is unreachable: ${err.message}`);
      }
      throw err;
    }
  }

  private classify(res: HttpResponse, what: string): HttpResponse {
    const text = res.status >= 400 || (res.headers['content-type'] ?? '').includes('html') ? res.text() : '';
    if (res.status === 403 || res.status === 429) {
      throw new ProviderBlocked(
        this.id,
        looksLikeChallenge(text) ? 'a challenge page' : `${res.status} ${res.status === 403 ? 'Forbidden' : 'Too Many Requests'}`,
      );
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

/** Decodes HTML entities and drops tags (`<em>` highlights) from a provider text field (no NUL, no lone surrogate). */
export function plainText(s: string | null | undefined): string {
  if (!s) return '';
  return cleanText(parse(`<p>${s}</p>`).text)
    .replace(/\s+/g, ' ')
    .trim();
}

export function firstYear(v: unknown): number | null {
  const m = /\b(19|20)\d{2}\b/.exec(String(v ?? ''));
  return m ? Number(m[0]) : null;
}

/** The decoded text of an element (already entity-decoded by the parser), whitespace collapsed, no NUL. */
export function textOf(el: { text: string } | null | undefined): string {
  return cleanText(el?.text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}
