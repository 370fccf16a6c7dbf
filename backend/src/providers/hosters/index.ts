/**
 * The hoster registry. `findHoster(name, url, extraDomains)` picks a resolver by the provider's
 * hoster name first, then by the embed URL's domain (built-in list + configured extra domains).
 */
import type { Hoster } from './types.js';
import { voe } from './voe.js';
import { vidoza } from './vidoza.js';
import { doodstream } from './doodstream.js';
import { vidmoly } from './vidmoly.js';
import { filemoon } from './filemoon.js';
import { streamtape } from './streamtape.js';
import { speedfiles } from './speedfiles.js';
import { luluvdo } from './luluvdo.js';
import { sibnet } from './sibnet.js';
import { sendvid } from './sendvid.js';

export type { Hoster, ResolvedMedia, HosterContext } from './types.js';
export { HosterError } from './types.js';

export const HOSTER_LIST: readonly Hoster[] = [
  voe,
  filemoon,
  vidmoly,
  doodstream,
  vidoza,
  streamtape,
  speedfiles,
  luluvdo,
  sibnet,
  sendvid,
];

export const normalizeHosterName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function domainMatches(host: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/^\*?\./, '');
  return host === d || host.endsWith(`.${d}`);
}

export function findHoster(name: string | null, url?: string, extraDomains: Record<string, string[]> = {}): Hoster | null {
  if (name) {
    const n = normalizeHosterName(name);
    const byName = HOSTER_LIST.find((h) => normalizeHosterName(h.name) === n);
    if (byName) return byName;
  }
  if (!url) return null;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  for (const h of HOSTER_LIST) {
    const extra = Object.entries(extraDomains).find(([k]) => normalizeHosterName(k) === normalizeHosterName(h.name))?.[1] ?? [];
    if ([...h.domains, ...extra].some((d) => domainMatches(host, d))) return h;
  }
  return null;
}
