import type { HttpClient } from '../../net/httpClient.js';

/**
 * A hoster resolver turns an embed page URL into a media URL (HLS playlist or MP4) plus the
 * headers the media server wants. One file per hoster; `index.ts` is the registry.
 */
export interface ResolvedMedia {
  url: string;
  kind: 'hls' | 'mp4';
  headers: Record<string, string>;
}

export interface HosterContext {
  http: HttpClient;
  userAgent: string;
  signal?: AbortSignal;
}

export interface Hoster {
  /** Name as providers show it (VOE, Filemoon, ...). */
  readonly name: string;
  /** Known embed domains (more can be configured: they rotate). */
  readonly domains: readonly string[];
  resolve(embedUrl: string, ctx: HosterContext): Promise<ResolvedMedia>;
}

/** A resolver that could not find the media: the message says which hoster and why. */
export class HosterError extends Error {
  constructor(
    public hoster: string,
    message: string,
    public status?: number,
  ) {
    super(`${hoster}: ${message}`);
    this.name = 'HosterError';
  }
}
