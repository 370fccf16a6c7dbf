import { z } from 'zod';
import { PageQuery } from '../http/schema.js';

/** Request and response shapes of /api/import-lists. */

const Status = z.enum(['watching', 'planning']);

export const ListParams = z.object({ id: z.string().uuid() });
export const EntryParams = ListParams.extend({ external_id: z.string().regex(/^\d{1,12}$/) });

export const ListCreate = z
  .object({
    service: z.enum(['anilist', 'myanimelist']),
    username: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{2,32}$/, 'a user name of the service (letters, digits, _ and -)'),
    statuses: z.array(Status).min(1).max(2).default(['watching', 'planning']).describe('Which parts of the list are read'),
    enabled: z.boolean().default(true).describe('Read on the schedule (hourly)'),
    auto_download: z.boolean().default(true).describe('auto_download of the watchlist items it makes'),
  })
  .strict();

export const ListUpdate = z
  .object({
    statuses: z.array(Status).min(1).max(2).optional(),
    enabled: z.boolean().optional(),
    auto_download: z.boolean().optional(),
  })
  .strict();

export const List = z.object({
  id: z.string(),
  service: z.enum(['anilist', 'myanimelist']),
  username: z.string(),
  statuses: z.array(Status),
  enabled: z.boolean(),
  auto_download: z.boolean(),
  last_synced_at: z.string().nullable(),
  last_error: z.string().nullable(),
  counts: z.record(z.number()).describe('Entries seen, by outcome'),
});

export const Lists = z.object({ lists: z.array(List) });

export const SyncResult = z.object({
  read: z.number(),
  new_entries: z.number(),
  added: z.number(),
  exists: z.number(),
  ambiguous: z.number(),
  not_found: z.number(),
  list: List,
});

export const Entry = z.object({
  external_id: z.string(),
  title: z.string(),
  year: z.number().nullable(),
  outcome: z.enum(['added', 'exists', 'ambiguous', 'not_found', 'resolved', 'ignored']),
  candidates: z.array(
    z.object({ provider: z.string(), key: z.string(), name: z.string(), link: z.string(), year: z.number().nullable(), score: z.number() }),
  ),
  anime_key: z.string().nullable(),
  seen_at: z.string(),
});

export const EntriesQuery = PageQuery.extend({ outcome: Entry.shape.outcome.optional() });
export const Entries = z.object({
  entries: z.array(Entry),
  total: z.number().describe('Entries of this outcome (all pages); also in X-Total-Count'),
});

export const ResolveBody = z
  .object({ key: z.string().min(1).max(300).nullable().describe("A candidate's key, or null to ignore the entry") })
  .strict();
