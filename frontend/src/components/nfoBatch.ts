import type { NfoBatch } from '../api/types.ts';
import { has, t } from '../i18n/index.ts';

type Result = Pick<NfoBatch['results'][number], 'code' | 'params' | 'message'>;

/**
 * Why a series of an NFO batch failed or was skipped, in the user's language: by the server's code and its
 * figures ("No TMDB series matches “{title}”"), an error code by its text; the server's English only for a
 * code this UI does not know.
 */
export function batchReason(r: Result): string {
  const code = r.code;
  if (!code) return r.message;
  if (has(`nfoBatch.reason.${code}`)) return t(`nfoBatch.reason.${code}`, { ...(r.params ?? {}) });
  if (has(`error.${code}`)) return t(`error.${code}`);
  return r.message;
}
