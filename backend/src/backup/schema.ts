import { z } from 'zod';
import { queryBool } from '../http/route.js';
import { KINDS } from './archive.js';

export const BackupEntry = z.object({
  name: z.string(),
  size: z.number().describe('bytes'),
  created: z.string().describe('ISO time the file was written'),
  kind: z.enum(KINDS).describe('manual, scheduled, pre-restore (the safety backup a restore takes first) or uploaded'),
});

export const BackupName = z.object({ backup_name: z.string().min(1).max(200) });

export const CreateQuery = z.object({
  name: z.string().min(1).max(115).optional().describe('file name without .tar.gz; default aniworld_<time>_manual'),
  include_secrets: queryBool.optional().describe('also store the JWT secret, API keys and the TMDB key (keep such a file safe)'),
});

export const Created = BackupEntry.extend({ message: z.string() });

export const RestoreResult = z.object({
  message: z.string(),
  restored_from: z.string(),
  safety_backup: z.string().describe('the pre-restore backup taken first'),
  tables: z.array(z.object({ name: z.string(), rows: z.number() })),
  requeued_downloads: z.number().describe('items that were downloading and wait again'),
  secrets_restored: z.boolean(),
});
