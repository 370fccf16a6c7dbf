import { describe, expect, it } from 'vitest';
import { newEpisodes } from '../../backend/src/watchlist/checker.js';

const eps = (...codes: string[]) =>
  codes.map((c) => {
    const [, s, e] = /^S(\d+)E(\d+)$/.exec(c)!;
    return { season: Number(s), episode: Number(e) };
  });
const codes = (list: { season: number; episode: number }[]) => list.map((e) => `S${e.season}E${e.episode}`);

describe('which episodes are new for a watchlist item', () => {
  it('everything, when the library has nothing and nothing was recorded', () => {
    expect(codes(newEpisodes(eps('S1E1', 'S1E2'), [], []))).toEqual(['S1E1', 'S1E2']);
  });
  it('only what is newer than the newest episode on disk', () => {
    expect(codes(newEpisodes(eps('S1E1', 'S1E2', 'S1E3', 'S1E4'), eps('S1E1', 'S1E3'), []))).toEqual(['S1E4']);
  });
  it('a new season counts as newer', () => {
    expect(codes(newEpisodes(eps('S1E12', 'S2E1'), eps('S1E12'), []))).toEqual(['S2E1']);
  });
  it('never what an earlier check already found', () => {
    expect(codes(newEpisodes(eps('S1E1', 'S1E2', 'S1E3'), [], eps('S1E1', 'S1E2')))).toEqual(['S1E3']);
  });
  it('specials (season 0) are new when the library lacks them, whatever the order', () => {
    expect(codes(newEpisodes(eps('S0E1', 'S0E2', 'S1E5'), eps('S1E5', 'S0E1'), []))).toEqual(['S0E2']);
  });
  it('nothing when the library is complete', () => {
    expect(newEpisodes(eps('S1E1', 'S1E2'), eps('S1E1', 'S1E2'), [])).toEqual([]);
  });
});
