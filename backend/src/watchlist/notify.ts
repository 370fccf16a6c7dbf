import { z } from 'zod';
import type { Deps } from '../deps.js';
import { HttpClient } from '../net/httpClient.js';
import type { ItemRow } from './repo.js';

export const NOTIFY_TASK = 'watchlist_notify';

interface Episode {
  season: number;
  episode: number;
  title: string | null;
}

export const NotifyPayload = z.object({
  type: z.enum(['generic', 'discord', 'ntfy']),
  url: z.string().url(),
  event: z.object({
    type: z.string(),
    anime_title: z.string(),
    anime_key: z.string(),
    provider_id: z.string(),
    item_id: z.string(),
    owner: z.string(),
    episodes: z.array(z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() })),
    queued: z.number(),
    timestamp: z.string(),
  }),
});
export type NotifyPayload = z.infer<typeof NotifyPayload>;

const code = (e: Episode) => `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;

/**
 * Tells the owner's sockets about new episodes and, when notifications are on, adds one
 * delivery job per enabled webhook (Graphile retries a failed delivery with backoff).
 */
export async function notifyNewEpisodes(deps: Deps, item: ItemRow, episodes: Episode[], queued: number, webhooks: boolean) {
  const event = {
    type: 'watchlist_new_episodes', anime_title: item.anime_title, anime_key: item.anime_key, provider_id: item.provider_id,
    item_id: item.id, owner: item.owner_name, episodes, queued, timestamp: deps.clock.now().toISOString(),
  };
  const { type: _t, owner: _o, ...data } = event;
  await deps.bus.publish(`user:${item.user_id}`, 'watchlist_new_episodes', { ...data, series_key: item.series_key });
  if (webhooks) await addDeliveries(deps, event);
}

/** Tells the owner (and, when notifications are on, the webhooks) that a watchlist episode was downloaded. */
export async function notifyDownloaded(deps: Deps, item: ItemRow, ep: Episode, webhooks: boolean) {
  const event = {
    type: 'watchlist_episode_downloaded', anime_title: item.anime_title, anime_key: item.anime_key, provider_id: item.provider_id,
    item_id: item.id, owner: item.owner_name, episodes: [ep], queued: 0, timestamp: deps.clock.now().toISOString(),
  };
  const { type: _t, owner: _o, ...data } = event;
  await deps.bus.publish(`user:${item.user_id}`, 'watchlist_episode_downloaded', { ...data, series_key: item.series_key });
  if (webhooks) await addDeliveries(deps, event);
}

async function addDeliveries(deps: Deps, event: NotifyPayload['event']) {
  for (const hook of deps.settings.get().notifications.webhooks) {
    if (!hook.enabled) continue;
    await deps.jobs.add(NOTIFY_TASK, { type: hook.type, url: hook.url, event }, { maxAttempts: 5 });
  }
}

/** RFC 2047 encoding, for header values that are not plain ASCII (ntfy understands it). */
const headerValue = (v: string) => (/^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`);

/** The request a webhook of each kind expects. */
export function webhookRequest(p: NotifyPayload): { headers: Record<string, string>; body: string } {
  const e = p.event;
  const list = e.episodes.map((ep) => `${code(ep)}${ep.title ? ` ${ep.title}` : ''}`).join(', ');
  const downloaded = e.type === 'watchlist_episode_downloaded';
  const text = downloaded
    ? `Downloaded ${e.anime_title}: ${list}`
    : `${e.episodes.length} new episode${e.episodes.length === 1 ? '' : 's'} of ${e.anime_title}: ${list}` +
      (e.queued > 0 ? ` (${e.queued} queued for download)` : '');
  const title = downloaded ? `Downloaded: ${e.anime_title}` : `New episodes: ${e.anime_title}`;
  switch (p.type) {
    case 'discord':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'Aniworld', content: text.slice(0, 2000) }) };
    case 'ntfy':
      return {
        headers: { 'Content-Type': 'text/plain; charset=utf-8', Title: headerValue(title), Tags: 'tv' },
        body: text,
      };
    default:
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ event: e.type, timestamp: e.timestamp, data: e }) };
  }
}

let client: HttpClient | null = null;

/** The `watchlist_notify` task: one delivery; throws on failure so Graphile retries it. */
export async function deliverWebhook(deps: Deps, raw: unknown): Promise<void> {
  const p = NotifyPayload.parse(raw);
  client ??= new HttpClient({ userAgent: `Aniworld/${deps.version}`, timeoutMs: 15_000, deadlineMs: 30_000, maxBytes: 64 * 1024, retries: 0 });
  const { headers, body } = webhookRequest(p);
  const host = new URL(p.url).host; // never log the full URL: webhook URLs carry tokens
  const res = await client.fetch(p.url, { method: 'POST', headers, body, retries: 0 }).catch((err: { code?: string; status?: number }) => {
    throw new Error(`webhook ${p.type} at ${host} failed: ${err.code ?? err.status ?? 'network error'}`);
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook ${p.type} at ${host} answered ${res.status}`);
  deps.log.info({ module: 'watchlist', webhook: p.type, host }, 'webhook delivered');
}
