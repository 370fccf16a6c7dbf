import xml2js from 'xml2js';

/**
 * Kodi v20+ NFO documents (also read by Jellyfin and Emby), built with xml2js's builder and read
 * back with its parser. Pure: no I/O, no TMDB; `nfoMapping.ts` turns TMDB answers into these.
 */

export interface Rating {
  value: number;
  votes: number;
}

export interface ShowIds {
  tmdb: string;
  imdb?: string | null;
  tvdb?: string | null;
}

export interface ShowNfo {
  title: string;
  originaltitle: string;
  sorttitle: string;
  plot: string;
  outline: string;
  tagline: string;
  runtime: number | null;
  premiered: string | null;
  year: number | null;
  status: string | null;
  studios: string[];
  genres: string[];
  tags: string[];
  countries: string[];
  mpaa: string | null;
  rating: Rating | null;
  ids: ShowIds;
  namedseasons: { number: number; name: string }[];
  actors: { name: string; role: string; order: number; thumb: string | null }[];
  posters: string[];
  clearlogos: string[];
  landscapes: string[];
  seasonPosters: { season: number; url: string }[];
  fanart: string[];
  dateadded: string;
}

export interface EpisodeNfo {
  title: string;
  showtitle: string;
  season: number;
  episode: number;
  plot: string;
  aired: string | null;
  runtime: number | null;
  rating: Rating | null;
  tmdbId: string | null;
  thumb: string | null;
  dateadded: string;
  /** Specials: where Kodi shows them among the regular episodes. */
  placement?: { airsbefore_season: number; airsbefore_episode: number } | { airsafter_season: number } | null;
}

/** Characters XML 1.0 cannot carry at all (not even as references); everything else is escaped. */
const ILLEGAL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlSafe(text: string): string {
  return text.replace(ILLEGAL, '');
}

type Node = string | number | { $?: Record<string, string>; _?: string } | Record<string, unknown> | Node[];

function clean(node: unknown): unknown {
  if (typeof node === 'string') return xmlSafe(node);
  if (Array.isArray(node)) return node.map(clean);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (v !== undefined && v !== null) out[k] = clean(v);
    return out;
  }
  return node;
}

function build(root: string, body: Record<string, unknown>): string {
  const builder = new xml2js.Builder({
    rootName: root,
    xmldec: { version: '1.0', encoding: 'UTF-8', standalone: true },
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
    headless: false,
  });
  return builder.buildObject(clean(body)) + '\n';
}

const text = (value: string, attrs?: Record<string, string>): Node => (attrs ? { $: attrs, _: value } : value);
const nonEmpty = (v: string | null | undefined) => (v ? v : undefined);

function ratings(r: Rating | null) {
  if (!r) return undefined;
  return { rating: { $: { name: 'tmdb', max: '10', default: 'true' }, value: r.value.toFixed(1), votes: String(r.votes) } };
}

export function buildTvShowNfo(s: ShowNfo): string {
  const uniqueids: Node[] = [text(s.ids.tmdb, { type: 'tmdb', default: 'true' })];
  if (s.ids.imdb) uniqueids.push(text(s.ids.imdb, { type: 'imdb' }));
  if (s.ids.tvdb) uniqueids.push(text(s.ids.tvdb, { type: 'tvdb' }));
  const guide: Record<string, string> = { tmdb: s.ids.tmdb };
  if (s.ids.imdb) guide.imdb = s.ids.imdb;
  if (s.ids.tvdb) guide.tvdb = s.ids.tvdb;
  // Show-level art first (Kodi takes the first poster thumb as the show poster), season posters after.
  const thumbs: Node[] = [
    ...s.posters.map((u) => text(u, { aspect: 'poster' })),
    ...s.clearlogos.map((u) => text(u, { aspect: 'clearlogo' })),
    ...s.landscapes.map((u) => text(u, { aspect: 'landscape' })),
    ...s.seasonPosters.map((p) => text(p.url, { aspect: 'poster', type: 'season', season: String(p.season) })),
  ];
  return build('tvshow', {
    title: s.title,
    originaltitle: s.originaltitle,
    showtitle: s.title,
    sorttitle: s.sorttitle,
    ratings: ratings(s.rating),
    outline: s.outline,
    plot: s.plot,
    tagline: s.tagline,
    runtime: s.runtime ? String(s.runtime) : undefined,
    thumb: thumbs.length ? thumbs : undefined,
    fanart: s.fanart.length ? { thumb: s.fanart } : undefined,
    mpaa: nonEmpty(s.mpaa),
    uniqueid: uniqueids,
    genre: s.genres.length ? s.genres : undefined,
    tag: s.tags.length ? s.tags : undefined,
    premiered: nonEmpty(s.premiered),
    // Kodi derives the year from premiered; a separate <year> only when no date is known.
    year: !s.premiered && s.year ? String(s.year) : undefined,
    status: nonEmpty(s.status),
    studio: s.studios.length ? s.studios : undefined,
    country: s.countries.length ? s.countries : undefined,
    actor: s.actors.length
      ? s.actors.map((a) => ({ name: a.name, role: a.role, order: String(a.order), thumb: nonEmpty(a.thumb) }))
      : undefined,
    namedseason: s.namedseasons.length ? s.namedseasons.map((n) => text(n.name, { number: String(n.number) })) : undefined,
    episodeguide: JSON.stringify(guide),
    dateadded: s.dateadded,
  });
}

export function buildEpisodeNfo(e: EpisodeNfo): string {
  return build('episodedetails', {
    title: e.title,
    showtitle: e.showtitle,
    ratings: ratings(e.rating),
    season: String(e.season),
    episode: String(e.episode),
    ...placementTags(e.placement),
    plot: e.plot,
    runtime: e.runtime ? String(e.runtime) : undefined,
    thumb: nonEmpty(e.thumb),
    uniqueid: e.tmdbId ? text(e.tmdbId, { type: 'tmdb', default: 'true' }) : undefined,
    aired: nonEmpty(e.aired),
    dateadded: e.dateadded,
  });
}

/** Kodi's display order of a special: `displayseason`/`displayepisode` and the older `airsbefore*`/`airsafter_season`. */
function placementTags(p: EpisodeNfo['placement']): Record<string, string> {
  if (!p) return {};
  if ('airsafter_season' in p) return { displayafterseason: String(p.airsafter_season), airsafter_season: String(p.airsafter_season) };
  return {
    displayseason: String(p.airsbefore_season),
    displayepisode: String(p.airsbefore_episode),
    airsbefore_season: String(p.airsbefore_season),
    airsbefore_episode: String(p.airsbefore_episode),
  };
}

/** A multi-episode file's NFO (`S01E01-E02`): one `<episodedetails>` per episode, one after the other, as Kodi reads it. */
export function buildMultiEpisodeNfo(list: EpisodeNfo[]): string {
  return list.map((e, i) => (i === 0 ? buildEpisodeNfo(e) : buildEpisodeNfo(e).replace(/^<\?xml[^>]*\?>\s*/, ''))).join('\n');
}

/** Parses an NFO (ours or anyone's) with xml2js; throws on XML that is not well-formed. */
export async function parseNfo(xml: string): Promise<Record<string, unknown>> {
  return xml2js.parseStringPromise(xml, { explicitArray: true, trim: false, strict: true });
}

/** The uniqueid values of an NFO's root element (`{tmdb: '1234', imdb: 'tt..'}`). */
export function uniqueIds(doc: Record<string, unknown>): Record<string, string> {
  const root = Object.values(doc)[0] as Record<string, unknown> | undefined;
  const out: Record<string, string> = {};
  const list = (root?.uniqueid ?? []) as unknown[];
  for (const u of list) {
    if (u && typeof u === 'object') {
      const o = u as { _?: string; $?: { type?: string } };
      const type = (o.$?.type ?? 'unknown').toLowerCase();
      const value = (o._ ?? '').trim();
      if (value && !out[type]) out[type] = value;
    }
  }
  // Older NFOs carry <id> or a tmdbid element only.
  const tmdbid = (root?.tmdbid as string[] | undefined)?.[0];
  if (!out.tmdb && typeof tmdbid === 'string' && /^\d+$/.test(tmdbid.trim())) out.tmdb = tmdbid.trim();
  return out;
}

/** Kodi's dateadded format: `YYYY-MM-DD HH:MM:SS` (UTC here). */
export function kodiDate(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
