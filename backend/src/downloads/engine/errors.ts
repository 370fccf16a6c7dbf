/** Why a download attempt failed. `fatal` errors stop the item (no other hoster is tried). */
export class DownloadError extends Error {
  constructor(
    message: string,
    public fatal = false,
    public status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** The disk is full: trying another hoster would not help. */
export class DiskFullError extends DownloadError {
  constructor(where: string) {
    super(`not enough disk space (ENOSPC) while writing ${where}`, true);
    this.name = 'DiskFullError';
  }
}

/** The item was deleted or the process is stopping. */
export class CancelledError extends DownloadError {
  constructor(reason = 'download cancelled') {
    super(reason, true);
    this.name = 'CancelledError';
  }
}

export function isDiskFull(err: unknown): boolean {
  return (err as { code?: string })?.code === 'ENOSPC';
}

const RETRYABLE: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ECONNABORTED',
]);

/** A network hiccup worth another try (reset, refused, timeout, premature close). */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string }; name?: string; message?: string };
  const code = e?.code ?? e?.cause?.code;
  if (code && RETRYABLE.has(code)) return true;
  return /other side closed|socket hang up|terminated|premature/i.test(e?.message ?? '');
}

/** A playlist without EXT-X-ENDLIST: a live or event stream, which never ends; another hoster may serve the episode. */
export class LivePlaylistError extends DownloadError {
  constructor(url: string) {
    super(
      `HlsLivePlaylist: the playlist has no EXT-X-ENDLIST (a live or event stream), only complete playlists are downloaded ` +
        `(${new URL(url).pathname})`,
    );
    this.name = 'LivePlaylistError';
  }
}
