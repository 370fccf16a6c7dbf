import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { LEVELS, listLogFiles, logFilePath, readEntries, type LevelName } from './service.js';

const Level = z.enum(Object.keys(LEVELS) as [LevelName, ...LevelName[]]);
const FileName = z.string().min(1).max(255).optional().describe('a file of GET /api/logs files; default: the one this process writes');
const Entry = z.object({
  time: z.string().nullable(),
  level: z.string(),
  module: z.string().nullable(),
  msg: z.string(),
  line: z.string(),
});

/** The Logs page's API (admin): newest entries with level filter and search, the files, a download. */
export function logsRoutes(deps: Pick<Deps, 'env' | 'log' | 'logging'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['logs'];

  route(
    r,
    {
      method: 'get',
      path: '/api/logs',
      summary: 'Newest log entries (newest first)',
      tags,
      access: 'admin',
      description:
        'Reads the log file backwards from its end (at most 16 MiB). Secrets are redacted when written; URLs are ' +
        'scrubbed again here. Live lines: join the Socket.IO room `logs` (admins), messages `log_entries`.',
      query: z.object({
        level: Level.default('info').describe('lowest level shown'),
        q: z.string().max(200).optional().describe('text the line must contain (any case)'),
        limit: z.coerce.number().int().min(1).max(2000).default(300),
        file: FileName,
      }),
      responses: {
        200: z.object({
          file: z.string(),
          level: z.string().describe('the level this process logs at now'),
          files: z.array(z.object({ name: z.string(), size: z.number(), modified: z.string() })),
          entries: z.array(Entry),
          complete: z.boolean().describe('false when older lines were not searched'),
        }),
      },
    },
    async ({ query }) => {
      const file = await logFilePath(deps, query.file);
      const { entries, complete } = await readEntries(file, { minLevel: query.level, search: query.q, limit: query.limit });
      return { file: path.basename(file), level: deps.log.level, files: await listLogFiles(deps), entries, complete };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/logs/download',
      summary: 'Download a log file (default: the current one)',
      tags,
      access: 'admin',
      query: z.object({ file: FileName }),
      responses: { 200: null },
    },
    async ({ query, ctx }) => {
      const file = await logFilePath(deps, query.file);
      ctx.set('Content-Type', 'application/x-ndjson; charset=utf-8');
      ctx.set('Content-Disposition', `attachment; filename="${path.basename(file)}"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = fs.createReadStream(file);
    },
  );

  return r;
}
