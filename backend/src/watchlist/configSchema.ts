import { z } from 'zod';

export const Webhook = z.object({
  type: z.enum(['generic', 'discord', 'ntfy']),
  url: z.string().url(),
  enabled: z.boolean().default(true),
});

export const NotificationsConfig = z.object({
  webhooks: z.array(Webhook).max(20).default([]),
});
