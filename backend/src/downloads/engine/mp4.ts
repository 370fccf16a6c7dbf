import fs from 'node:fs/promises';
import { DiskFullError, DownloadError, isTransient } from './errors.js';
import { openPartFile } from './partFile.js';
import { openMediaFile, type MediaRequest } from './http.js';
import type { Throttle } from './throttle.js';
import { BatchWriter } from './writer.js';

/**
 * Progressive download of one file with `Range` resume: after a reset, a restart or a premature
 * end it continues from the bytes on disk. The final size must equal the announced one.
 * Content-Disposition is never read: the caller names the file.
 */
export interface Mp4Download extends MediaRequest {
  file: string;
  stallMs: number;
  maxBytes: number;
  throttle: Throttle;
  /** Attempts in a row without progress before giving up. */
  maxAttempts?: number;
  /** Called once the total size is known (free-space check). */
  onTotal?: (total: number | null) => Promise<void> | void;
  onProgress?: (done: number, total: number | null) => void;
}

const STALL_MIN_BYTES = 64 * 1024;

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

function parseContentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = v && /bytes (\d+)-\d+\/(\d+|\*)/.exec(v);
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

export async function downloadMp4(o: Mp4Download): Promise<{ bytes: number; total: number | null }> {
  const maxAttempts = o.maxAttempts ?? 5;
  let failures = 0;
  let stalls = 0;
  let total: number | null = null;
  let lastErr: Error | null = null;
  let totalReported = false;
  while (failures < maxAttempts) {
    let have = await sizeOf(o.file);
    if (total !== null && have === total) return { bytes: have, total };
    const before = have;
    try {
      const res = await openMediaFile(o, have > 0 ? { range: `bytes=${have}-` } : {});
      if (res.status === 416 && have > 0) {
        res.body.destroy();
        const cr = /\/(\d+)/.exec(res.headers['content-range'] ?? '');
        if (cr && total !== null && Number(cr[1]) !== total) {
          throw new DownloadError(`size check failed: got ${have} of ${total} announced bytes (the server now claims ${cr[1]})`);
        }
        if (cr && Number(cr[1]) === have) return { bytes: have, total: have };
        await fs.truncate(o.file, 0); // our partial file does not fit the server's: start over
        continue;
      }
      if (res.status !== 200 && res.status !== 206) {
        res.body.destroy();
        const msg =
          res.status === 404
            ? 'media not found (404)'
            : res.status === 403
              ? 'media access denied (403)'
              : `media answered HTTP ${res.status}`;
        const err = new DownloadError(msg, false, res.status);
        if (res.status >= 500 || res.status === 429 || res.status === 408) throw Object.assign(err, { transient: true });
        throw err;
      }
      const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
      if (res.status === 206) {
        const cr = parseContentRange(res.headers['content-range']);
        if (!cr || cr.start !== have) {
          res.body.destroy();
          throw new DownloadError('server answered a range that does not continue the partial file');
        }
        total = cr.total ?? (length !== null ? have + length : null);
      } else {
        have = 0; // the server ignored Range: start over
        total = length;
      }
      if (total !== null && total > o.maxBytes) {
        res.body.destroy();
        throw new DownloadError(
          `announced size ${(total / 1048576).toFixed(0)} MB exceeds the limit of ${(o.maxBytes / 1048576).toFixed(0)} MB`,
          false,
        );
      }
      if (!totalReported) {
        totalReported = true;
        try {
          await o.onTotal?.(total);
        } catch (err) {
          res.body.destroy();
          throw err;
        }
      }
      await writeBody(o, res, have, total);
      const now = await sizeOf(o.file);
      if (total === null || now === total) return { bytes: now, total: total ?? now };
      lastErr = new DownloadError(`connection ended early: ${now} of ${total} bytes`);
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof DiskFullError) throw err;
      const transient = isTransient(err) || (err as { transient?: boolean }).transient || (err as { stalled?: boolean }).stalled;
      if (!transient) throw err;
      lastErr = err as Error;
    }
    const after = await sizeOf(o.file);
    // a stall always counts (a drip makes a little progress every time); other errors reset when bytes came in
    if ((lastErr as { stalled?: boolean } | null)?.stalled) stalls++;
    failures = stalls >= Math.min(3, maxAttempts) ? maxAttempts : after > before ? 1 : failures + 1;
    if (failures < maxAttempts) await new Promise((r) => setTimeout(r, Math.min(3000, 200 * 2 ** failures)));
  }
  const have = await sizeOf(o.file);
  throw new DownloadError(
    `${lastErr?.message ?? 'download failed'} (size check: ${have} of ${total ?? '?'} bytes after ${maxAttempts} attempts)`,
  );
}

/**
 * Chunks are gathered and written 1 MiB at a time (writev): far fewer system calls than one per
 * chunk, or every 200 ms on a slow link (what is on disk survives a kill). When the disk is slow,
 * up to 4 MiB wait for it before the socket is paused.
 */
const BATCH = { batchBytes: 1 << 20, maxQueued: 4 << 20, maxDelayMs: 200 };

async function writeBody(
  o: Mp4Download,
  res: Awaited<ReturnType<typeof openMediaFile>>,
  start: number,
  total: number | null,
): Promise<void> {
  const handle = await openPartFile(o.file, start > 0 ? 'append' : 'new');
  const out = new BatchWriter(handle, o.file, BATCH, o.io.disk);
  let written = start;
  let windowBytes = 0;
  const stall = setInterval(() => {
    if (windowBytes < STALL_MIN_BYTES) {
      res.body.destroy(Object.assign(new DownloadError(`stalled: less than 64 KiB received in ${o.stallMs / 1000} s`), { stalled: true }));
    }
    windowBytes = 0;
  }, o.stallMs);
  let ok = false;
  let failed: { err: unknown } | null = null;
  try {
    await res.body.read((buf) => {
      if (total !== null && written + buf.length > total) {
        throw new DownloadError(`server sent more bytes than the ${total} announced`);
      }
      written += buf.length;
      windowBytes += buf.length;
      o.onProgress?.(written, total);
      const slow = o.throttle.take(buf.length);
      const busy = out.pushView(buf);
      return slow && busy ? Promise.all([slow, busy]) : (slow ?? busy);
    });
    ok = true;
  } catch (err) {
    failed = { err };
  }
  clearInterval(stall);
  // keep what arrived before a reset or abort: the next attempt resumes after it;
  // a failed write (or a full disk) wins over the read's error
  try {
    await out.settle();
  } catch (err) {
    if (ok || err instanceof DiskFullError) throw err;
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (failed) throw failed.err;
}
