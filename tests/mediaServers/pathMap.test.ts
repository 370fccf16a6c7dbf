import { describe, expect, it } from 'vitest';
import { mapPath } from '../../backend/src/mediaServers/pathMap.js';

describe('media-server path mapping', () => {
  it('replaces the longest matching prefix, only at a folder boundary', () => {
    const map = [
      { from: '/anime', to: '/data/tv' },
      { from: '/anime/Kids', to: '/data/kids' },
    ];
    expect(mapPath('/anime/Frieren', map)).toBe('/data/tv/Frieren');
    expect(mapPath('/anime/Kids/Doraemon', map)).toBe('/data/kids/Doraemon');
    expect(mapPath('/animeX/Frieren', map)).toBe('/animeX/Frieren');
    expect(mapPath('/anime', map)).toBe('/data/tv');
  });

  it('gives Windows and SMB targets their own separators', () => {
    expect(mapPath('/anime/Sousou no Frieren/Season 01', [{ from: '/anime/', to: 'D:\\Anime\\' }])).toBe(
      'D:\\Anime\\Sousou no Frieren\\Season 01',
    );
    expect(mapPath('/anime/Frieren', [{ from: '/anime', to: '\\\\nas\\anime' }])).toBe('\\\\nas\\anime\\Frieren');
    expect(mapPath('/anime/Frieren', [{ from: '/anime', to: 'smb://nas/anime/' }])).toBe('smb://nas/anime/Frieren');
  });

  it('leaves a path without a mapping as it is', () => {
    expect(mapPath('/srv/anime/Frieren', [])).toBe('/srv/anime/Frieren');
  });
});
