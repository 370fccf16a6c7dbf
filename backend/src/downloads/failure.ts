import { SlonikError } from 'slonik';
import { ProviderError, ProviderNotFound } from '../providers/errors.js';
import { HosterError } from '../providers/hosters/index.js';
import { CancelledError, DiskFullError, DownloadError, isDiskFull } from './engine/errors.js';
import type { DownloadFailureCode } from './schema.js';

/**
 * Whose fault a failed attempt was (the attempts table's `error_class`):
 * - `source`: the link itself: resolution failed, the hoster answered 404/410/403 or a "deleted"
 *   page, the file failed verification or is not what was announced. The source is blocklisted
 *   for that episode and counts toward giving up.
 * - `hoster`: the hoster is unwell for now (5xx, 429, anything unknown): counts toward giving up,
 *   no blocklist.
 * - `network` (DNS, connection refused/reset, timeouts, stalls), `provider` (a challenge page,
 *   the provider down), `local` (disk full, no ffmpeg, the database), `cancelled` (shutdown or
 *   removal): never the source's fault; never blocklisted, never counted.
 */
export type FailureClass = 'source' | 'hoster' | 'network' | 'provider' | 'local' | 'cancelled';

/** Classes that are the source's or the hoster's doing (the others say nothing about the source). */
export const COUNTED: readonly FailureClass[] = ['source', 'hoster'];

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const NETWORK_TEXT =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN|socket hang up|other side closed|fetch failed|no data for \d|stalled:|timed? ?out/i;
const LOCAL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);
const SOURCE_TEXT =
  /verification failed|size check failed|could not be decrypted|did not answer an HLS playlist|no video source|no resolver|not found|deleted|removed|exceeds the limit|more bytes than|does not continue the partial file|wrong content|\b(404|410|403)\b/i;

type Chained = Error & { code?: string; status?: number; cause?: unknown; fatal?: boolean; transient?: boolean };

function chain(err: unknown): Chained[] {
  const out: Chained[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 6) {
    out.push(e as Chained);
    e = (e as Chained).cause;
  }
  return out;
}

export function classifyFailure(err: unknown): FailureClass {
  const errs = chain(err);
  if (errs.length === 0) return 'hoster';
  if (errs.some((e) => e instanceof CancelledError)) return 'cancelled';
  if (errs.some((e) => e instanceof SlonikError || (e.code && LOCAL_CODES.has(e.code)))) return 'local';
  if (errs.some((e) => e instanceof DownloadError && e.fatal)) return 'local';
  const provider = errs.find((e) => e instanceof ProviderError);
  if (provider) return provider instanceof ProviderNotFound ? 'source' : 'provider';
  if (errs.some((e) => (e.code && NETWORK_CODES.has(e.code)) || NETWORK_TEXT.test(e.message))) return 'network';
  const status = errs.map((e) => e.status).find((s) => typeof s === 'number');
  if (status !== undefined) {
    if (status === 404 || status === 410 || status === 403 || status === 451) return 'source';
    if (status >= 500 || status === 429 || status === 408) return 'hoster';
  }
  if (errs.some((e) => e.transient)) return 'hoster';
  if (errs.some((e) => SOURCE_TEXT.test(e.message))) return 'source';
  if (errs.some((e) => e instanceof HosterError)) return 'source';
  return 'hoster';
}

/** The queue item's `error_code` for an error that ended its run (schema.ts DownloadFailureCode). */
export function failureCode(err: unknown): DownloadFailureCode {
  const errs = chain(err) as (Chained & { noSource?: boolean; failureCode?: DownloadFailureCode })[];
  const tagged = errs.find((e) => e.failureCode)?.failureCode;
  if (tagged) return tagged;
  if (errs.some((e) => e.noSource)) return 'NO_SOURCES';
  if (errs.some((e) => e instanceof DiskFullError || isDiskFull(e))) return 'DISK_FULL';
  const c = classifyFailure(err);
  return c === 'cancelled' ? 'CANCELLED' : (`${c.toUpperCase() as Uppercase<Exclude<FailureClass, 'cancelled'>>}_FAILED` as const);
}
