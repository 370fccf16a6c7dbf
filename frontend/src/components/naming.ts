/** A live example of the file naming template, filled like the server fills it (zero-padded SxxEyy). */
export const SAMPLE = { series: 'Attack on Titan', season: 1, episode: 2, title: 'That Day', year: 2013, language: 'German Dub' };

export function renderTemplate(template: string, ext = 'mkv', v = SAMPLE): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const name = template
    .replace(/\{series\}/g, v.series)
    .replace(/\{season\}/g, pad(v.season))
    .replace(/\{episode\}/g, pad(v.episode))
    .replace(/\{title\}/g, v.title)
    .replace(/\{year\}/g, String(v.year))
    .replace(/\{language\}/g, v.language);
  return `${name}.${ext}`;
}

export const UNKNOWN_PLACEHOLDER = /\{(?!series\}|season\}|episode\}|title\}|year\}|language\})[^}]*\}/;
