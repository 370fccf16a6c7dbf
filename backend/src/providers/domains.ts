/**
 * The domains each provider site is known under (current and previous; the sites move often,
 * shared/providers.md). Links and watchlist URLs on any of them, on the configured base URL or on
 * the configured `extra_domains` name the same series and are normalised to the active domain;
 * a listed domain that redirects to another listed one makes that one active.
 * (anime-sama.pw is the portal that links to the current domain, not a mirror: not listed.)
 */
export const KNOWN_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  aniworld: ['aniworld.to', 'www.aniworld.to'],
  animesama: ['anime-sama.si', 'anime-sama.fr', 'anime-sama.org', 'anime-sama.tv', 'anime-sama.to', 'anime-sama.eu'],
};

/** `https://x.y/path`, `x.y`, `X.Y:8080` → `x.y` / `x.y:8080` (host with port, lower case). */
export function hostOf(domain: string): string {
  return domain
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/[/?#].*$/, '')
    .toLowerCase();
}

/** Every host the site answers under: the active base, the known domains, the configured extras. */
export function siteHosts(id: string, baseHost: string, extra: readonly string[]): string[] {
  return [...new Set([baseHost.toLowerCase(), ...(KNOWN_DOMAINS[id] ?? []), ...extra.map(hostOf)].filter(Boolean))];
}
