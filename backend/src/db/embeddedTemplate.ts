import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { APP_ROLE, DATABASE, SUPERUSER, type Credentials } from './embeddedRoles.js';

// A new embedded data folder is a copy of a template cluster that the build makes once
// (scripts/build.mjs → makeDatabaseTemplate in embedded.ts: initdb, the app role, its database and
// the migrations, exactly as a first start makes them, with throwaway passwords that are never
// stored). The copy's two passwords are replaced with this install's own in single-user mode, which
// listens on no socket, before its server starts: no install ever accepts the template's passwords;
// the migrations' records get the copy's time, as if its first start had applied them (migrations
// newer than the build are applied by that start as usual). This costs ~0.15 s of CPU where initdb
// and the migrations cost ~1.2 s. Without a usable template, the caller runs initdb.
export const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../../dist/pg-template');

interface Ids {
  uid?: number;
  gid?: number;
}

/** Runs a program; rejects on a non-zero exit. Resolves to what it wrote to stderr. */
function run(program: string, args: string[], ids: Ids, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...ids, env: { LC_MESSAGES: 'C', PATH: process.env.PATH }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(stderr) : reject(new Error(`${path.basename(program)} ended with ${code ?? signal}`)),
    );
    child.stdin!.end(input ?? '');
  });
}

const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Makes `dir` a copy of the template with `creds` as its passwords. false (and nothing left behind)
 * when there is no template for `major` or any step fails: the caller makes the folder with initdb.
 */
export async function copyTemplate(
  dir: string,
  creds: Credentials,
  programs: Promise<{ postgres: string }>,
  ids: () => Ids,
  major: number,
  log: Logger,
  template = TEMPLATE_DIR,
): Promise<boolean> {
  let version: number;
  try {
    version = Number(fs.readFileSync(path.join(template, 'PG_VERSION'), 'utf8').trim());
  } catch {
    return false; // not built (the build could not run initdb)
  }
  if (version !== major) return false;
  // made beside the data folder and renamed into place whole: a start cut off half-way leaves no half folder
  const tmp = `${dir}.new-${process.pid}`;
  try {
    const owner = ids();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { mode: 0o700 });
    if (owner.uid !== undefined) fs.chownSync(tmp, owner.uid, owner.gid!);
    // the template is readable by all (whoever runs the product copies it); the copy by its owner only
    await run('sh', ['-c', 'umask 077 && exec cp -R "$0"/. "$1"', template, tmp], owner);
    // fsync off: the caller writes the whole new folder to disk beside its first start (initdb --sync-only)
    const stderr = await run(
      (await programs).postgres,
      ['--single', '-D', tmp, '-c', 'fsync=off', DATABASE],
      owner,
      [
        `alter role ${SUPERUSER} password ${quoted(creds.superuser)};`,
        `alter role ${APP_ROLE} password ${quoted(creds.app)};`,
        'update schema_migrations set applied_at = now();',
        'update graphile_worker.migrations set ts = now();',
      ].join('\n') + '\n',
    );
    // its errors come with the statement, which holds a password: only whether there was one is told
    if (/\b(ERROR|FATAL|PANIC):/.test(stderr)) throw new Error('the passwords or the records in single-user mode failed');
    fs.renameSync(tmp, dir);
    log.debug({ dir }, 'the new database folder is a copy of the template');
    return true;
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not copy the database template; making the folder with initdb');
    fs.rmSync(tmp, { recursive: true, force: true });
    return false;
  }
}
