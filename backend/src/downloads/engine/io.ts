import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/**
 * The download engine's I/O state, built once per app instance (deps.downloads.io) and shared by
 * every download of that app: the media requests' keep-alive pools and what the writers learnt
 * about the disks. It travels with each media request (MediaRequest.io).
 */
export interface MediaIo {
  /** node:http keep-alive pools of the media requests, by URL scheme ('http:', 'https:'). */
  readonly agents: Readonly<Record<string, http.Agent>>;
  readonly disk: DiskWatch;
  /** Closes the pools' connections (the app stops). */
  close(): void;
}

export function createMediaIo(): MediaIo {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
  };
  return {
    agents,
    disk: new DiskWatch(),
    close: () => Object.values(agents).forEach((a) => a.destroy()),
  };
}

/**
 * A write into the page cache takes well under a millisecond, less than handing it to the thread
 * pool costs (on two cores that decided a fast download's speed); one that takes longer means the
 * disk pushes back, and for a minute every writer moves its writes off the event loop.
 */
const SLOW_WRITE_MS = 20;
const SLOW_FOR_MS = 60_000;

/**
 * File systems whose writes land in the local page cache. A network share or a FUSE mount (NFS,
 * SMB, Unraid's /mnt/user) can stall a write for seconds: there, writes always go through the
 * thread pool so the event loop (the web UI, every other download) never waits on them.
 */
const LOCAL_FS: ReadonlySet<number> = new Set([
  0xef53 /* ext2-4 */, 0x58465342 /* xfs */, 0x9123683e /* btrfs */, 0x01021994 /* tmpfs */, 0x794c7630 /* overlayfs */,
  0x2fc12fc1 /* zfs */, 0xf2f52010 /* f2fs */,
]);

/** What the writers learnt about the machine's disks: whether one pushed back lately, which folders are local. */
export class DiskWatch {
  /** Until then (after a slow write, for every download of the app) writes go through the thread pool. */
  private slowUntil = 0;
  private readonly localDirs = new Map<string, boolean>();

  /** No write was slow in the last minute. */
  quick(): boolean {
    return performance.now() > this.slowUntil;
  }

  /** Notes a write on the event loop that started at `started` (performance.now()) and just ended. */
  wrote(started: number): void {
    if (performance.now() - started > SLOW_WRITE_MS) this.slowUntil = performance.now() + SLOW_FOR_MS;
  }

  /** Whether `dir` is on a local file system: false until known (checked once per folder, in the background). */
  local(dir: string): boolean {
    const known = this.localDirs.get(dir);
    if (known !== undefined) return known;
    this.localDirs.set(dir, false);
    fs.promises.statfs(dir).then(
      (s) => this.localDirs.set(dir, LOCAL_FS.has(Number(s.type))),
      () => undefined,
    );
    return false;
  }
}
