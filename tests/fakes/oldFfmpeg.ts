import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Stand-ins for an outdated ffmpeg/ffprobe on a NAS (e.g. Ubuntu 22.04's 4.4): executables that
 * answer `-version` as those builds do and fail anything else, so nothing could be decoded.
 */
export function oldFfmpeg(firstLine = 'version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021 the FFmpeg developers'): {
  FFMPEG_PATH: string;
  FFPROBE_PATH: string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-ffmpeg-'));
  const out = {} as { FFMPEG_PATH: string; FFPROBE_PATH: string };
  for (const [bin, key] of [
    ['ffmpeg', 'FFMPEG_PATH'],
    ['ffprobe', 'FFPROBE_PATH'],
  ] as const) {
    const file = path.join(dir, bin);
    fs.writeFileSync(file, `#!/bin/sh\n[ "$1" = "-version" ] || exit 1\necho "${bin} ${firstLine}"\n`, { mode: 0o755 });
    out[key] = file;
  }
  return out;
}
