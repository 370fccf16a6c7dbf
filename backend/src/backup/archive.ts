import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ReadEntry } from 'tar';
import { z } from 'zod';
import { BadRequest, ValidationFailed } from '../errors.js';

// tar loads at the first backup or restore, not with the server (its start-up)
const loadTar = () => import('tar');

/**
 * The backup file: a gzip'd tar holding `manifest.json` (first), `config.json`, `db/<table>.jsonl`
 * (one JSON object per row); backups of older versions may hold `jwt_secret`, which is no longer used. The manifest names
 * every other file with its SHA-256: a file that was changed, added or left out is refused.
 */
export const FORMAT = 'aniworld-backup';
export const FORMAT_VERSION = 1;
export const KINDS = ['manual', 'scheduled', 'pre-restore', 'uploaded'] as const;
export type BackupKind = (typeof KINDS)[number];

export const Manifest = z.object({
  format: z.literal(FORMAT),
  format_version: z.number().int(),
  product_version: z.string(),
  created_at: z.string(),
  kind: z.enum(KINDS),
  include_secrets: z.boolean(),
  migrations: z.array(z.string()),
  postgres_version: z.string(),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().min(0), columns: z.array(z.string()), secret: z.boolean() })),
  sequences: z.array(z.object({ name: z.string(), last_value: z.number().nullable() })),
  files: z.record(z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Manifest = z.infer<typeof Manifest>;

const TABLE_FILE = /^db\/[a-z_][a-z0-9_]{0,62}\.jsonl$/;
const allowedName = (p: string) => p === 'manifest.json' || p === 'config.json' || p === 'jwt_secret' || TABLE_FILE.test(p);
/** An archive that unpacks to more than this is refused before anything is written (a gzip bomb). */
export const MAX_UNPACKED_BYTES = 16 * 1024 ** 3;

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** Packs a staging folder (its manifest first) into `target`. */
export async function packArchive(staging: string, files: string[], target: string): Promise<void> {
  const tar = await loadTar();
  await tar.c({ gzip: { level: 6 }, file: target, cwd: staging, portable: true, noDirRecurse: true }, ['manifest.json', ...files]);
}

const refuse = (why: string) => new ValidationFailed(`Not a usable backup: ${why}`, { reason: why });

/**
 * Unpacks `archive` into the empty folder `into` and checks it: only the known file names, regular
 * files only, the manifest's checksums for each file and no file beyond them.
 */
export async function openArchive(archive: string, into: string): Promise<Manifest> {
  const tar = await loadTar();
  let total = 0;
  const seen: string[] = [];
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (e) => {
        seen.push(e.path);
        total += e.size ?? 0;
        if (e.type !== 'File' || !allowedName(e.path)) throw refuse(`unexpected entry '${e.path.slice(0, 100)}'`);
        if (total > MAX_UNPACKED_BYTES) throw refuse('it unpacks to more than 16 GiB');
      },
    });
  } catch (err) {
    if (err instanceof ValidationFailed) throw err;
    throw refuse(`it is not a gzip'd tar archive (${(err as Error).message.slice(0, 200)})`);
  }
  if (new Set(seen).size !== seen.length) throw refuse('an entry appears twice');
  if (!seen.includes('manifest.json')) throw refuse('it has no manifest.json');
  await fsp.mkdir(path.join(into, 'db'), { recursive: true });
  await tar.x({
    file: archive,
    cwd: into,
    strict: true,
    preserveOwner: false,
    noChmod: true,
    filter: (p, e) => allowedName(p) && (e as ReadEntry).type === 'File',
  });
  let manifest: Manifest;
  try {
    manifest = Manifest.parse(JSON.parse(await fsp.readFile(path.join(into, 'manifest.json'), 'utf8')));
  } catch {
    throw refuse('its manifest.json is damaged or not an Aniworld backup manifest');
  }
  if (manifest.format_version > FORMAT_VERSION) throw refuse(`it was written by a newer Aniworld (format ${manifest.format_version})`);
  const listed = Object.keys(manifest.files).sort();
  const present = seen.filter((p) => p !== 'manifest.json').sort();
  const extra = present.filter((p) => !listed.includes(p));
  const missing = listed.filter((p) => !present.includes(p));
  if (extra.length || missing.length)
    throw refuse(`its files do not match the manifest (extra: ${extra.join(', ') || 'none'}; missing: ${missing.join(', ') || 'none'})`);
  for (const name of listed) {
    if (!allowedName(name)) throw refuse(`the manifest lists '${name}'`);
    if ((await sha256File(path.join(into, name))) !== manifest.files[name])
      throw refuse(`${name} does not match its checksum (the file was changed or damaged)`);
  }
  if (!listed.includes('config.json')) throw refuse('it holds no config.json');
  return manifest;
}

/** Reads only the manifest (first entry) of a backup, for listings; null when it has none. */
export async function readManifest(archive: string): Promise<Manifest | null> {
  const tar = await loadTar();
  let text = '';
  await tar
    .t({
      file: archive,
      filter: (p) => p === 'manifest.json',
      onReadEntry: (e) => {
        e.on('data', (d: Buffer) => {
          text += d.toString('utf8');
        });
      },
    })
    .catch(() => undefined);
  const parsed = Manifest.safeParse(
    (() => {
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    })(),
  );
  return parsed.success ? parsed.data : null;
}

/** config.json of a backup (for a damaged live config): checked against the manifest's checksum. */
export async function readBackupConfig(archive: string): Promise<unknown> {
  const tar = await loadTar();
  const chunks: Buffer[] = [];
  let manifestText = '';
  await tar.t({
    file: archive,
    filter: (p) => p === 'config.json' || p === 'manifest.json',
    onReadEntry: (e) => {
      e.on('data', (d: Buffer) => {
        if (e.path === 'config.json') chunks.push(d);
        else manifestText += d.toString('utf8');
      });
    },
  });
  const body = Buffer.concat(chunks);
  const manifest = Manifest.parse(JSON.parse(manifestText));
  if (crypto.createHash('sha256').update(body).digest('hex') !== manifest.files['config.json'])
    throw new BadRequest('config.json does not match its checksum');
  return JSON.parse(body.toString('utf8'));
}
