import crypto from 'node:crypto';
import { z } from 'zod';
import { NOTIFY_EVENTS, NotifyEventType } from '../rules/notifyEvent.js';

export { NOTIFY_EVENTS, NotifyEventType };

export const CHANNEL_TYPES = ['generic', 'discord', 'ntfy', 'gotify', 'apprise', 'email'] as const;

const EmailSettings = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  username: z.string().max(255).default(''),
  password: z.string().max(1000).default(''),
  from: z.string().email(),
  to: z.array(z.string().email()).min(1).max(20),
});

/** A stable id for a channel stored before channels had ids (derived from its URL). */
const idFrom = (v: Record<string, unknown>) =>
  crypto
    .createHash('sha256')
    .update(String(v.url ?? JSON.stringify(v.email ?? '')))
    .digest('hex')
    .slice(0, 10);

/**
 * A notification channel. `url` is the webhook / ntfy topic / Gotify server / Apprise `/notify`
 * endpoint; `token` the Gotify app token, ntfy access token or Apprise target URLs (secrets:
 * masked by the API, never logged); `email` the SMTP settings of an email channel.
 */
export const Channel = z.preprocess(
  (v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v as { id?: unknown }).id ? { ...v, id: idFrom(v as Record<string, unknown>) } : v,
  z
    .object({
      id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'id: letters, digits, - and _ only'),
      name: z.string().max(100).default(''),
      type: z.enum(CHANNEL_TYPES),
      url: z.string().url().optional(),
      token: z.string().max(4000).optional(),
      email: EmailSettings.optional(),
      enabled: z.boolean().default(true),
      events: z.array(NotifyEventType).default([...NOTIFY_EVENTS]),
    })
    .superRefine((c, ctx) => {
      if (c.type === 'email' && !c.email)
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'an email channel needs its SMTP settings' });
      if (c.type !== 'email' && !c.url) ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${c.type} channel needs a url` });
      if (c.url && !/^https?:/i.test(c.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'only http and https URLs' });
    }),
);
export type Channel = z.infer<typeof Channel>;

export const NotificationsConfig = z.object({
  /** The channels (named `webhooks` since the first version of the config). */
  webhooks: z
    .array(Channel)
    .max(20)
    .default([])
    .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'channel ids must be unique'),
  /** `gave_up`: a failed download is announced once the queue gave up on it; `each_attempt`: every failed source too. */
  download_failed: z.enum(['gave_up', 'each_attempt']).default('gave_up'),
});
export type NotificationsConfig = z.infer<typeof NotificationsConfig>;
