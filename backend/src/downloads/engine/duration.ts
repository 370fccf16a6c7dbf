import fs from 'node:fs/promises';

/**
 * The duration a container states in its header, as ffprobe reports it: an MP4's mvhd, a
 * Matroska file's Segment Info. Written by the muxer from the packets it wrote, so after our own
 * remux it is the file's real length. null when there is none.
 */
export async function containerDuration(file: string, container: 'mp4' | 'mkv'): Promise<number | null> {
  return container === 'mp4' ? mp4Duration(file) : mkvDuration(file);
}

/** An MP4's own duration (mvhd), found by walking the top-level boxes; null when it has none. */
export async function mp4Duration(file: string): Promise<number | null> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const b = Buffer.alloc(32);
    const box = async (pos: number) => {
      const { bytesRead } = await fh.read(b, 0, 16, pos);
      if (bytesRead < 8) return null;
      let len = b.readUInt32BE(0);
      const type = b.toString('latin1', 4, 8);
      let head = 8;
      if (len === 1) {
        len = Number(b.readBigUInt64BE(8));
        head = 16;
      } else if (len === 0) len = size - pos;
      return len < head ? null : { type, len, head };
    };
    for (let pos = 0; pos < size;) {
      const top = await box(pos);
      if (!top) return null;
      if (top.type === 'moov') {
        for (let at = pos + top.head; at < pos + top.len;) {
          const child = await box(at);
          if (!child) return null;
          if (child.type === 'mvhd') {
            await fh.read(b, 0, 32, at + child.head);
            const v1 = b[0] === 1;
            const timescale = b.readUInt32BE(v1 ? 20 : 12);
            const duration = v1 ? Number(b.readBigUInt64BE(24)) : b.readUInt32BE(16);
            return timescale > 0 && duration > 0 && duration < 0xffffffff ? duration / timescale : null;
          }
          at += child.len;
        }
        return null;
      }
      pos += top.len;
    }
    return null;
  } finally {
    await fh.close();
  }
}

/** An EBML variable-length number at `pos`: its length and value (`raw` keeps the marker bit, as IDs do). */
function vint(b: Buffer, pos: number, raw: boolean): { len: number; value: number } | null {
  const first = b[pos];
  if (first === undefined || first === 0) return null;
  const len = Math.clz32(first) - 23;
  if (len > 8 || pos + len > b.length) return null;
  let value = raw ? first : first & (0xff >> len);
  for (let i = 1; i < len; i++) value = value * 256 + b[pos + i]!;
  if (!raw && value === 2 ** (7 * len) - 1) value = Infinity; // unknown size
  return { len, value };
}

const EBML = { segment: 0x18538067, info: 0x1549a966, timestampScale: 0x2ad7b1, duration: 0x4489 };

/** A Matroska file's Segment Info duration (in the first 64 KiB, where ffmpeg's muxer puts it). */
export async function mkvDuration(file: string): Promise<number | null> {
  const fh = await fs.open(file, 'r');
  let b: Buffer;
  try {
    b = Buffer.alloc(64 * 1024);
    b = b.subarray(0, (await fh.read(b, 0, b.length, 0)).bytesRead);
  } finally {
    await fh.close();
  }
  // walks elements from `pos` to `end`, entering the Segment and its Info
  let scale = 1_000_000;
  let duration: number | null = null;
  const walk = (pos: number, end: number) => {
    while (pos < end) {
      const id = vint(b, pos, true);
      const size = id && vint(b, pos + id.len, false);
      if (!id || !size) return;
      const body = pos + id.len + size.len;
      const bodyEnd = Math.min(end, body + size.value);
      if (id.value === EBML.segment || id.value === EBML.info) walk(body, bodyEnd);
      else if (id.value === EBML.timestampScale && size.value <= 8)
        scale = b.readUIntBE(body + Math.max(0, size.value - 6), Math.min(6, size.value));
      else if (id.value === EBML.duration && body + size.value <= b.length)
        duration = size.value === 8 ? b.readDoubleBE(body) : size.value === 4 ? b.readFloatBE(body) : null;
      if (id.value === EBML.info || size.value === Infinity) return;
      pos = body + size.value;
    }
  };
  walk(0, b.length);
  return duration !== null && duration > 0 ? (duration * scale) / 1e9 : null;
}
