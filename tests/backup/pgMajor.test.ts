/** A data folder whose embedded database is from another PostgreSQL major: a clear stop, nothing changed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../backend/src/config.js';
import { startApp } from '../../backend/src/main.js';
import { embeddedMajor } from '../../backend/src/db/embedded.js';

describe('embedded PostgreSQL major version', () => {
  it('refuses a data folder made by another major with the upgrade path, leaving it untouched', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-pgmajor-'));
    const pgDir = path.join(dataDir, 'postgres');
    fs.mkdirSync(pgDir);
    const older = embeddedMajor() - 1;
    fs.writeFileSync(path.join(pgDir, 'PG_VERSION'), `${older}\n`);
    fs.writeFileSync(path.join(pgDir, 'postgresql.conf'), '# the old cluster\n');
    const env = loadEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_FILE: 'false', UI_DIST: path.join(dataDir, 'no-ui') });
    await expect(startApp({ env, logStream: new PassThrough() })).rejects.toThrow(
      new RegExp(
        `created by PostgreSQL ${older}, and this version of Aniworld ships PostgreSQL ${embeddedMajor()}\\. Nothing was changed\\. ` +
          `.*make a backup.*restore the backup`,
      ),
    );
    expect(fs.readdirSync(pgDir).sort()).toEqual(['PG_VERSION', 'postgresql.conf']);
    expect(fs.readFileSync(path.join(pgDir, 'PG_VERSION'), 'utf8')).toBe(`${older}\n`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
