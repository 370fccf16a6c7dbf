import { describe, expect, it } from 'vitest';
import { airDateAnchors, mapEpisodes, type EpisodeRef, type TmdbDatedEpisode } from '../../backend/src/metadata/episodeMapping.js';

/** The air_date mode of the episode mapping, as a pure calculation (the HTTP path: episodeMapping.test.ts). */

const provider = (lengths: Record<number, number>): EpisodeRef[] =>
  Object.entries(lengths).flatMap(([s, n]) => Array.from({ length: n }, (_, i) => ({ season: Number(s), episode: i + 1 })));
const weekly = (season: number, first: string, n: number, from = 1): TmdbDatedEpisode[] =>
  Array.from({ length: n }, (_, i) => {
    const d = new Date(`${first}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 7 * i);
    return { season, episode: from + i, air_date: d.toISOString().slice(0, 10) };
  });
const code = (r: EpisodeRef | null) => (r ? `S${r.season}E${r.episode}` : null);

describe('air_date mapping', () => {
  it('places a provider season across TMDB seasons by its start date', () => {
    // TMDB: S1 of 4 (January), S2 of 6 (April); the provider: S1 of 2, S2 of 2, S3 of 6 starting in April
    const tmdbEpisodes = [...weekly(2, '2024-04-05', 6), ...weekly(1, '2024-01-05', 4)];
    const { anchors, map } = airDateAnchors(provider({ 1: 2, 2: 2, 3: 6 }), tmdbEpisodes, [
      { season: 3, date: '2024-04-01', source: 'user' },
    ]);
    expect(anchors.map((a) => [a.season, a.source, code(a.tmdb)])).toEqual([
      [1, 'continued', 'S1E1'],
      [2, 'continued', 'S1E3'],
      [3, 'user', 'S2E1'],
    ]);
    expect(code(map({ season: 2, episode: 2 }))).toBe('S1E4');
    expect(code(map({ season: 3, episode: 6 }))).toBe('S2E6');
    expect(map({ season: 3, episode: 7 })).toBeNull();
  });

  it("a user's date is on/after; a provider's first-seen day may be up to 6 days late, not 7", () => {
    const tmdbEpisodes = weekly(1, '2024-01-06', 8);
    const eps = provider({ 1: 4, 2: 4 });
    const start = (date: string, source: 'user' | 'provider_seen') =>
      code(airDateAnchors(eps, tmdbEpisodes, [{ season: 2, date, source }]).anchors[1].tmdb);
    expect(start('2024-01-27', 'user')).toBe('S1E4');
    expect(start('2024-01-28', 'user')).toBe('S1E5');
    expect(start('2024-01-27', 'provider_seen')).toBe('S1E4');
    expect(start('2024-02-02', 'provider_seen')).toBe('S1E4'); // 6 days after E4 aired
    expect(start('2024-02-03', 'provider_seen')).toBe('S1E5'); // the day E5 aired
    // the user's date wins over the provider's for the same season, whatever the order given
    const both = airDateAnchors(eps, tmdbEpisodes, [
      { season: 2, date: '2024-01-20', source: 'provider_seen' },
      { season: 2, date: '2024-02-10', source: 'user' },
    ]);
    expect(both.anchors[1]).toEqual({ season: 2, start_date: '2024-02-10', source: 'user', tmdb: { season: 1, episode: 6 } });
  });

  it('a start date after every TMDB episode maps the season to nothing; undated TMDB episodes come last', () => {
    const tmdbEpisodes = [...weekly(1, '2024-01-06', 3), { season: 1, episode: 4, air_date: null }];
    const eps = provider({ 1: 4, 2: 1 });
    const late = airDateAnchors(eps, tmdbEpisodes, [{ season: 2, date: '2025-01-01', source: 'user' }]);
    expect(late.anchors[1].tmdb).toBeNull();
    expect(late.map({ season: 2, episode: 1 })).toBeNull();
    expect(code(late.map({ season: 1, episode: 4 }))).toBe('S1E4');
  });

  it('specials keep their numbers and a manual override wins', () => {
    const res = mapEpisodes({
      mode: 'air_date',
      episodes: [{ season: 0, episode: 1 }, ...provider({ 1: 2, 2: 2 })],
      tmdbSeasons: [{ season_number: 1, episode_count: 5 }],
      tmdbEpisodes: weekly(1, '2024-01-06', 5),
      seasonStarts: [{ season: 2, date: '2024-01-27', source: 'user' }],
      overrides: [{ season: 2, episode: 2, tmdb_season: 0, tmdb_episode: 2 }],
    });
    expect(res.mode).toBe('air_date');
    expect(res.episodes.map((e) => [code(e), code(e.tmdb), e.via])).toEqual([
      ['S0E1', 'S0E1', 'season'],
      ['S1E1', 'S1E1', 'air_date'],
      ['S1E2', 'S1E2', 'air_date'],
      ['S2E1', 'S1E4', 'air_date'],
      ['S2E2', 'S0E2', 'manual'],
    ]);
  });
});
