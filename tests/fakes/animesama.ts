/**
 * A fake anime-sama on 127.0.0.1 (see shared/providers.md). Point the product at it with env
 * `ANIMESAMA_URL: fake.url` (or config providers.animesama.base_url).
 *
 *   const fake = await startFakeAnimeSama({ series: [{
 *     slug: 'one-piece', name: 'One Piece',
 *     parts: [
 *       { path: 'saison1', label: 'Saison 1', players: { vostfr: [['https://video.sibnet.ru/e1', ...], [...player 2]],
 *                                                       vf: [[...]] } },
 *       { path: 'saison1-2', label: 'Saison 1 Partie 2', players: { vostfr: [[...]] } },   // continues season 1
 *       { path: 'film', label: 'Films', players: { vostfr: [[...]] } },                   // season 0
 *     ] }] });
 *   fake.addSeries(def); fake.addEpisode(slug, partPath, lang, urlsPerPlayer)  // one more episode
 *   fake.setMode('ok' | 'challenge' | 'forbidden' | 'error500' | 'timeout' | 'changed'); fake.requests; await fake.close()
 *
 * Series page `/catalogue/{slug}/` lists parts with `panneauAnime("label","path/lang")` (first
 * language of each part); `/catalogue/{slug}/{path}/{lang}/episodes.js` holds `var epsN=[...]`
 * (one array per player, index i = episode i+1). Search: POST /template-php/defaut/fetch.php
 * (`query`) and GET /catalogue/?search=.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { esc, type FakeMode } from './aniworld.js';

export interface FakeSamaPart {
  path: string;
  label?: string;
  /** language code → players → embed URLs (index i = episode i+1) */
  players: Record<string, string[][]>;
}

export interface FakeSamaSeries {
  slug: string;
  name: string;
  parts: FakeSamaPart[];
}

export interface FakeAnimeSama {
  url: string;
  requests: string[];
  addSeries(def: FakeSamaSeries): void;
  addEpisode(slug: string, partPath: string, lang: string, urlsPerPlayer: string[]): void;
  setMode(mode: FakeMode): void;
  close(): Promise<void>;
}

const CHALLENGE_PAGE =
  `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<div id="challenge-running">Checking if the site connection is secure</div><script ` +
  `src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></body></html>`;

export async function startFakeAnimeSama(options: { series?: FakeSamaSeries[] } = {}): Promise<FakeAnimeSama> {
  const series = new Map<string, FakeSamaSeries>();
  let mode: FakeMode = 'ok';
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let base = '';
  const addSeries = (def: FakeSamaSeries) => series.set(def.slug, structuredClone(def));
  for (const s of options.series ?? []) addSeries(s);

  const page = (title: string, body: string) =>
    `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${esc(title)} | ` +
    `Anime-Sama</title></head><body>${body}</body></html>`;

  function seriesPage(s: FakeSamaSeries): string {
    const calls = s.parts
      .map((p) => `panneauAnime("${p.label ?? p.path}", "${p.path}/${Object.keys(p.players)[0] ?? 'vostfr'}");`)
      .join('\n');
    return page(
      s.name,
      `<h4 id="titreOeuvre">${esc(s.name)}</h4>
<div id="sousBlocMiddle"><script>
  panneauAnime("nom", "url");
  ${calls}
</script></div>`,
    );
  }

  function send(res: http.ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8') {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function searchHtml(q: string, card: boolean): string {
    const needle = q.trim().toLowerCase();
    const hits = [...series.values()].filter((s) => needle && s.name.toLowerCase().includes(needle));
    return hits
      .map((s) =>
        card
          ? `<div class="catalog-card"><a href="${base}/catalogue/${s.slug}/"><img src="/img/${s.slug}.jpg"><h1 ` +
            `class="card-title">${esc(s.name)}</h1></a></div>`
          : `<a href="${base}/catalogue/${s.slug}/" class="asn-search-result"><img src="/img/${s.slug}.jpg"><h3>${esc(s.name)}</h3></a>`,
      )
      .join('\n');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    requests.push(`${req.method} ${path}${url.search}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    if (mode === 'timeout') return;
    if (mode === 'challenge') return send(res, 403, CHALLENGE_PAGE);
    if (mode === 'forbidden') return send(res, 403, '<html><body>Forbidden</body></html>');
    if (mode === 'error500') return send(res, 500, '<html><body>Internal Server Error</body></html>');
    const changed = mode === 'changed';

    if (path === '/') return send(res, 200, page('Anime-Sama', '<div id="accueil">Accueil</div>'));
    if (path === '/template-php/defaut/fetch.php' && req.method === 'POST') {
      return send(res, 200, changed ? '<div class="nouveau"></div>' : searchHtml(new URLSearchParams(body).get('query') ?? '', false));
    }
    if (path === '/catalogue/' || path === '/catalogue') {
      return send(res, 200, page('Catalogue', changed ? '' : searchHtml(url.searchParams.get('search') ?? '', true)));
    }
    const m = /^\/catalogue\/([^/]+)\/(?:([^/]+)\/([^/]+)\/(episodes\.js)?)?$/.exec(path);
    const s = m ? series.get(m[1]) : undefined;
    if (!m || !s) return send(res, 404, page('404', 'Page introuvable'));
    if (!m[2]) return send(res, 200, changed ? page(s.name, '<div class="v2"></div>') : seriesPage(s));
    const part = s.parts.find((p) => p.path === m[2]);
    const players = part?.players[m[3]];
    if (!players) return send(res, 404, page('404', 'Page introuvable'));
    if (!m[4]) return send(res, 200, page(s.name, `<script src="episodes.js?filever=1234"></script>`));
    if (changed) return send(res, 200, 'const lecteurs = {};', 'application/javascript');
    const js = players.map((urls, i) => `var eps${i + 1} = [\n${urls.map((u) => `'${u}',`).join('\n')}\n];`).join('\n');
    return send(res, 200, js, 'application/javascript');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, String(err)));
  });
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    addSeries,
    addEpisode(slug, partPath, lang, urlsPerPlayer) {
      const part = series.get(slug)?.parts.find((p) => p.path === partPath);
      if (!part) throw new Error(`fake anime-sama: no part ${slug}/${partPath}`);
      const players = (part.players[lang] ??= []);
      urlsPerPlayer.forEach((u, i) => (players[i] ??= []).push(u));
    },
    setMode(m) {
      mode = m;
    },
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
