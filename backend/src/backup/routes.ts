import fs from 'node:fs';
import { z } from 'zod';
import { route, ApiRouter } from '../http/route.js';
import { pageOf, setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import { NotFound } from '../errors.js';
import { backupFile } from './files.js';
import { backupDir, createBackup, listBackups, removeBackup, restoreBackup, uploadBackup, type RestoreCtx } from './service.js';
import { BackupEntry, BackupName, Created, CreateQuery, RestoreResult } from './schema.js';

/** The spec's /api/config/backups, holding whole-product backups (admin only). */
export function backupRoutes(deps: RestoreCtx): ApiRouter {
  const r = new ApiRouter();
  const tags = ['backups'];
  const base = '/api/config/backups';

  route(
    r,
    {
      method: 'get',
      path: base,
      summary: 'List backups (newest first); the total in X-Total-Count',
      tags,
      access: 'admin',
      query: PageQuery,
      totalCount: true,
      responses: { 200: z.array(BackupEntry) },
    },
    async ({ query, ctx }) => {
      const all = await listBackups(deps);
      setTotal(ctx, all.length);
      return pageOf(all, query);
    },
  );

  route(
    r,
    {
      method: 'post',
      path: base,
      summary: 'Back up the configuration and the database now',
      tags,
      access: 'admin',
      description:
        'One .tar.gz: config.json, every application table (one consistent snapshot), the migration list and a ' +
        'manifest with SHA-256 checksums. The JWT secret, API keys and the TMDB key only with include_secrets=true; ' +
        'notification channels and media servers keep their URLs, tokens and passwords either way (part of the ' +
        'configuration).',
      query: CreateQuery,
      responses: { 200: Created },
    },
    async ({ query }) => {
      const b = await createBackup(deps, { kind: 'manual', includeSecrets: query.include_secrets ?? false, name: query.name });
      return { ...b, message: 'Backup created successfully' };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: `${base}/upload`,
      summary: 'Upload a backup file (the request body is the .tar.gz)',
      tags,
      access: 'admin',
      description: 'The file is checked completely (archive, manifest, checksums) before it is kept; up to 8 GiB.',
      fileBody: 'application/gzip',
      responses: { 201: BackupEntry, 422: null },
    },
    ({ ctx }) => uploadBackup(deps, ctx.req),
  );

  route(
    r,
    {
      method: 'get',
      path: `${base}/:backup_name/download`,
      summary: 'Download a backup file',
      tags,
      access: 'admin',
      params: BackupName,
      responses: { 200: null },
    },
    async ({ params, ctx }) => {
      const file = backupFile(backupDir(deps), params.backup_name);
      const st = await fs.promises.stat(file).catch(() => null);
      if (!st?.isFile()) throw new NotFound(`Backup '${params.backup_name}' not found`);
      ctx.set('Content-Type', 'application/gzip');
      ctx.set('Content-Length', String(st.size));
      ctx.set('Content-Disposition', `attachment; filename="${params.backup_name}"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = fs.createReadStream(file);
    },
  );

  route(
    r,
    {
      method: 'post',
      path: `${base}/:backup_name/restore`,
      summary: 'Restore a backup (users, library, queue, watchlists, config)',
      tags,
      access: 'admin',
      description:
        'Refuses a damaged or changed file and one from a newer schema, with nothing changed. Takes a pre-restore ' +
        'backup first and replaces the data in one transaction. Afterwards every session is signed out, items that ' +
        'were downloading wait again and the scheduled jobs are added anew.',
      params: BackupName,
      responses: { 200: RestoreResult, 409: null, 422: null },
    },
    ({ params }) => restoreBackup(deps, params.backup_name),
  );

  route(
    r,
    {
      method: 'delete',
      path: `${base}/:backup_name`,
      summary: 'Delete a backup',
      tags,
      access: 'admin',
      params: BackupName,
      responses: { 200: z.object({ message: z.string() }) },
    },
    async ({ params }) => {
      await removeBackup(deps, params.backup_name);
      return { message: `Backup '${params.backup_name}' deleted successfully` };
    },
  );

  return r;
}
