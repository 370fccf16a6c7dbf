/**
 * Which episodes a file holds, from its path inside the series folder:
 * `S01E02`, `S01E01-E02` / `S01E01E02`, `1x02`, and inside `Season NN` / `Staffel NN` /
 * `Specials` folders also `E02`, `Episode 02`, `Folge 02` or ` - 02`. Specials are season 0.
 * Outside season folders, `Show - 137` / `Episode 137` is an absolute number (parseAbsoluteEpisode),
 * mapped to a season through the provider's season lengths (absoluteToSeason).
 */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['.mkv', '.mp4', '.avi', '.webm', '.m4v']);
const MAX_RANGE = 200;

export interface EpisodeRef {
  season: number;
  episodes: number[];
}

export function isVideoFile(name: string): boolean {
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  return dot > 0 && VIDEO_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

/** `Season 01`, `Staffel 2`, `S03`, `Specials` → season number; null for other folders. */
export function seasonOfFolder(dir: string): number | null {
  const m = /^(?:season|staffel|saison|s)[\s._-]*(\d{1,3})$/i.exec(dir.trim());
  if (m) return Number(m[1]);
  return /^(specials?|extras?|ova|ovas|filme|movies?)$/i.test(dir.trim()) ? 0 : null;
}

function range(a: number, b: number): number[] {
  if (b < a || b - a > MAX_RANGE) return [a];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** `fileName` is the base name; `folderSeason` the season of its `Season NN` folder, if any. */
export function parseEpisodeFile(fileName: string, folderSeason: number | null = null): EpisodeRef | null {
  if (!isVideoFile(fileName)) return null;
  const stem = fileName.slice(0, fileName.lastIndexOf('.'));
  let m = /(?:^|[^a-z0-9])s(\d{1,3})[\s._-]*e(\d{1,4})(?:(?:[\s._-]*-?[\s._-]*e|-)(\d{1,4}))?(?![0-9])/i.exec(stem);
  if (m) return { season: Number(m[1]), episodes: m[3] ? range(Number(m[2]), Number(m[3])) : [Number(m[2])] };
  m = /(?:^|[^a-z0-9])(\d{1,2})x(\d{1,4})(?:-(?:\d{1,2}x)?(\d{1,4}))?(?![0-9])/i.exec(stem);
  if (m) return { season: Number(m[1]), episodes: m[3] ? range(Number(m[2]), Number(m[3])) : [Number(m[2])] };
  if (folderSeason === null) return null;
  m =
    /(?:^|[^a-z0-9])(?:e|ep|episode|folge|film)[\s._-]*(\d{1,4})(?:-(?:e)?(\d{1,4}))?(?![0-9])/i.exec(stem) ??
    /(?:^|\s)-\s*(\d{1,4})(?:-(\d{1,4}))?(?:\s|$)/.exec(stem) ??
    /^(\d{1,4})(?![0-9])/.exec(stem);
  if (m) return { season: folderSeason, episodes: m[2] ? range(Number(m[1]), Number(m[2])) : [Number(m[1])] };
  return null;
}

/** `Show - 137.mkv`, `Show Episode 137.mkv`, `137.mkv` (no season anywhere): the absolute episode numbers. */
export function parseAbsoluteEpisode(fileName: string): number[] | null {
  if (!isVideoFile(fileName)) return null;
  const stem = fileName
    .slice(0, fileName.lastIndexOf('.'))
    .replace(/[[(][^\])]*[\])]/g, ' ')
    .trim();
  const m =
    /(?:^|[^a-z0-9])(?:e|ep|episode|folge)[\s._-]*(\d{1,4})(?:-(?:e)?(\d{1,4}))?(?![0-9])/i.exec(stem) ??
    /(?:^|\s)-\s*(\d{1,4})(?:-(\d{1,4}))?(?:\s|$)/.exec(stem) ??
    /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(stem);
  if (!m) return null;
  return m[2] ? range(Number(m[1]), Number(m[2])) : [Number(m[1])];
}

/**
 * An absolute episode number as season and episode, through the provider's season lengths
 * (`lengths`: season → episode count, seasons 1 and up); null beyond the last season.
 */
export function absoluteToSeason(n: number, lengths: Map<number, number>): { season: number; episode: number } | null {
  let left = n;
  for (const season of [...lengths.keys()].filter((s) => s > 0).sort((a, b) => a - b)) {
    const count = lengths.get(season)!;
    if (left <= count) return left >= 1 ? { season, episode: left } : null;
    left -= count;
  }
  return null;
}
