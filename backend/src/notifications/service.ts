import type { Deps } from '../deps.js';
import { BadGateway, NotFound } from '../errors.js';
import type { Channel, NotifyEventType } from './configSchema.js';
import type { NotifyEvent } from './event.js';
import { channelTarget, send } from './senders.js';

export const SEND_TASK = 'notify_send';

type NotifyDeps = Pick<Deps, 'settings' | 'jobs' | 'clock' | 'log'>;

export interface Announcement {
  title: string;
  message: string;
  data?: Record<string, unknown>;
  /** At most one waiting delivery per channel with this key (e.g. one "disk space low" at a time). */
  dedupeKey?: string;
}

/**
 * Announces an event: one `notify_send` job per enabled channel that chose it (Graphile retries a
 * failed delivery with backoff). The payload names the channel by id; its URL and secrets stay in
 * the config.
 */
export async function notify(deps: NotifyDeps, type: NotifyEventType, a: Announcement): Promise<number> {
  const event: NotifyEvent = {
    event: type,
    timestamp: deps.clock.now().toISOString(),
    title: a.title,
    message: a.message,
    data: a.data ?? {},
  };
  let queued = 0;
  for (const ch of deps.settings.get().notifications.webhooks) {
    if (!ch.enabled || !ch.events.includes(type)) continue;
    const jobKey = a.dedupeKey ? `notify:${ch.id}:${a.dedupeKey}` : undefined;
    await deps.jobs.add(
      SEND_TASK,
      { channel_id: ch.id, event },
      { maxAttempts: 5, jobKey, jobKeyMode: jobKey ? 'preserve_run_at' : undefined },
    );
    queued++;
  }
  return queued;
}

/** Never lets an announcement break the work that made it: a failure to queue is logged. */
export function notifySafely(deps: NotifyDeps, type: NotifyEventType, a: Announcement): Promise<void> {
  return notify(deps, type, a).then(
    () => undefined,
    (err) => deps.log.error({ module: 'notifications', err: (err as Error).message, event: type }, 'could not queue a notification'),
  );
}

/** A provider answered with a challenge page or a 403: one waiting `health_problem` per channel at a time. */
export function announceProviderBlocked(deps: NotifyDeps, error: string): Promise<void> {
  return notifySafely(deps, 'health_problem', {
    title: 'Provider blocked',
    message: error.slice(0, 1500),
    data: { problem: 'provider_blocked', error },
    dedupeKey: 'provider_blocked',
  });
}

function channelById(deps: Pick<Deps, 'settings'>, id: string): Channel | undefined {
  return deps.settings.get().notifications.webhooks.find((c) => c.id === id);
}

/** The `notify_send` task: one delivery; throws on failure so Graphile retries it. */
export async function deliver(deps: Pick<Deps, 'settings' | 'log' | 'outbound'>, channelId: string, event: NotifyEvent): Promise<void> {
  const ch = channelById(deps, channelId);
  const log = deps.log.child({ module: 'notifications' });
  if (!ch || !ch.enabled) {
    log.info({ channel: channelId, event: event.event }, 'notification dropped: the channel was removed or disabled');
    return;
  }
  await send(deps.outbound, ch, event, deps.settings.get().name);
  log.info({ channel: ch.id, target: channelTarget(ch), event: event.event }, 'notification delivered');
}

/** The Settings "Test" button: sends a test message at once and reports what the channel answered. */
export async function testChannel(
  deps: Pick<Deps, 'settings' | 'log' | 'outbound' | 'clock'>,
  channelId: string,
): Promise<{ delivered: true; target: string }> {
  const ch = channelById(deps, channelId);
  if (!ch) throw new NotFound(`No notification channel '${channelId}'`);
  const event: NotifyEvent = {
    event: 'test',
    timestamp: deps.clock.now().toISOString(),
    title: `${deps.settings.get().name} test notification`,
    message: `This channel (${ch.name || ch.type}) works.`,
    data: {},
  };
  try {
    await send(deps.outbound, ch, event, deps.settings.get().name);
  } catch (err) {
    throw new BadGateway(`The test notification was not delivered: ${(err as Error).message}`);
  }
  deps.log.info({ module: 'notifications', channel: ch.id, target: channelTarget(ch) }, 'test notification delivered');
  return { delivered: true, target: channelTarget(ch) };
}
