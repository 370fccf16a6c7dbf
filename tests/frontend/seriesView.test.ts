import { describe, expect, it } from 'vitest';
import { fileName, seasonsOf } from '../../frontend/src/components/seasons.ts';
import { renderTemplate, UNKNOWN_PLACEHOLDER } from '../../frontend/src/components/naming.ts';
import type { SeriesDetail } from '../../frontend/src/api/types.ts';

// only the fields the view reads (the spec's bare shape has no episode_list at all)
const detail = (over: Record<string, unknown>) => ({ key: 'k', title: 'T', folder: 'T', episodes: [], ...over }) as unknown as SeriesDetail;

describe('series view', () => {
  it('groups the episode list into seasons, specials last, with downloaded files and missing ones', () => {
    const seasons = seasonsOf(
      detail({
        episode_list: [
          { season: 0, episode: 1, title: 'Film', languages: [], on_provider: true, is_downloaded: false, file_path: null },
          { season: 1, episode: 2, title: 'Zwei', languages: ['german_sub'], on_provider: true, is_downloaded: false, file_path: null },
          {
            season: 1,
            episode: 1,
            title: 'Eins',
            languages: [],
            on_provider: true,
            is_downloaded: true,
            file_path: '/a/T/T - S01E01 - Eins.mkv',
          },
          { season: 2, episode: 1, title: 'Gone', languages: [], on_provider: false, is_downloaded: false, file_path: null },
          {
            season: 2,
            episode: 2,
            title: 'Kept',
            languages: [],
            on_provider: false,
            is_downloaded: true,
            file_path: 'C:\\\\x\\\\T - S02E02.mp4',
          },
        ],
      }),
    );
    expect(seasons.map((s) => s.season)).toEqual([1, 2, 0]);
    expect(seasons[0].episodes.map((e) => [e.episode, e.is_downloaded])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(fileName(seasons[0].episodes[0])).toBe('T - S01E01 - Eins.mkv');
    // gone from the provider and not on disk: nothing to show; on disk: shown
    expect(seasons[1].episodes.map((e) => e.episode)).toEqual([2]);
    expect(fileName(seasons[1].episodes[0])).toBe('T - S02E02.mp4');
  });

  it('falls back to the spec shape: `episodes` lists the missing ones', () => {
    const seasons = seasonsOf(detail({ episodes: ['1-1', '1-2', '2-1', 'junk'] }));
    expect(seasons.map((s) => [s.season, s.episodes.map((e) => e.episode)])).toEqual([
      [1, [1, 2]],
      [2, [1]],
    ]);
    expect(seasons.flatMap((s) => s.episodes).every((e) => e.is_downloaded === false)).toBe(true);
  });

  it('fills the naming template like the server (zero-padded SxxEyy)', () => {
    expect(renderTemplate('{series} - S{season}E{episode} - {title}')).toBe('Attack on Titan - S01E02 - That Day.mkv');
    expect(renderTemplate('{series} ({year}) {language} S{season}E{episode}', 'mp4')).toBe('Attack on Titan (2013) German Dub S01E02.mp4');
    expect(UNKNOWN_PLACEHOLDER.test('{series} {episod}')).toBe(true);
    expect(UNKNOWN_PLACEHOLDER.test('{series} {season} {episode} {title} {year} {language}')).toBe(false);
  });
});
