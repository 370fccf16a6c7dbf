import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The one-time first-run setup code (as Jupyter and Portainer do): generated once into
 * DATA_DIR/setup_code (mode 0600, so processes sharing DATA_DIR print the same one), printed to the
 * log while the product is not set up, and removed once setup succeeded.
 */
const fileOf = (dataDir: string) => path.join(dataDir, 'setup_code');

export function setupCode(dataDir: string): string {
  try {
    return fs.readFileSync(fileOf(dataDir), 'utf8').trim();
  } catch {
    const code = crypto.randomBytes(9).toString('base64url'); // 12 characters
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(fileOf(dataDir), code, { mode: 0o600, flag: 'wx' });
      return code;
    } catch {
      return fs.readFileSync(fileOf(dataDir), 'utf8').trim(); // another process won the race
    }
  }
}

export function setupCodeMatches(dataDir: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = crypto.createHash('sha256').update(setupCode(dataDir)).digest();
  const b = crypto.createHash('sha256').update(given.trim()).digest();
  return crypto.timingSafeEqual(a, b);
}

export function removeSetupCode(dataDir: string): void {
  fs.rmSync(fileOf(dataDir), { force: true });
}
