/** HLS playlist parsing: master (variants) and media (segments, AES-128 keys, byte ranges, init map). */

export interface Variant {
  url: string;
  bandwidth: number;
  width: number | null;
  height: number | null;
}

export interface SegmentKey {
  method: 'AES-128';
  uri: string;
  /** Explicit IV; null = the segment's media sequence number. */
  iv: Buffer | null;
}

export interface Segment {
  index: number;
  sequence: number;
  url: string;
  duration: number;
  key: SegmentKey | null;
  /** EXT-X-BYTERANGE: [offset, length] */
  range: [number, number] | null;
  /** EXT-X-MAP init section URL (fMP4) in force for this segment. */
  init: string | null;
}

export interface MediaPlaylist {
  segments: Segment[];
  totalDuration: number;
}

function attrs(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const m of line.slice(line.indexOf(':') + 1).matchAll(re)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

export function isMasterPlaylist(text: string): boolean {
  return text.includes('#EXT-X-STREAM-INF');
}

export function parseMaster(text: string, baseUrl: string): Variant[] {
  const out: Variant[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    if (!ls[i]!.startsWith('#EXT-X-STREAM-INF')) continue;
    const a = attrs(ls[i]!);
    const uri = ls.slice(i + 1).find((l) => !l.startsWith('#'));
    if (!uri) continue;
    const [w, h] = (a.RESOLUTION ?? '').split('x').map(Number);
    out.push({ url: new URL(uri, baseUrl).toString(), bandwidth: Number(a.BANDWIDTH ?? 0), width: w || null, height: h || null });
  }
  return out;
}

/** Highest resolution for 'best'; else the tallest variant not above the wanted height (or the smallest). */
export function pickVariant(variants: Variant[], quality: string | null | undefined): Variant {
  if (variants.length === 0) throw new Error('master playlist lists no variants');
  const sorted = [...variants].sort((a, b) => (b.height ?? 0) - (a.height ?? 0) || b.bandwidth - a.bandwidth);
  const wanted = quality && /^\d+p$/.test(quality) ? Number(quality.slice(0, -1)) : null;
  if (!wanted) return sorted[0]!;
  return sorted.find((v) => (v.height ?? 0) <= wanted) ?? sorted[sorted.length - 1]!;
}

export function parseMedia(text: string, baseUrl: string): MediaPlaylist {
  const ls = lines(text);
  if (ls[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  let sequence = 0;
  let key: SegmentKey | null = null;
  let init: string | null = null;
  let duration = 0;
  let range: [number, number] | null = null;
  let lastRangeEnd = 0;
  const segments: Segment[] = [];
  for (const l of ls) {
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(l.split(':')[1]);
    else if (l.startsWith('#EXT-X-KEY:')) {
      const a = attrs(l);
      if (a.METHOD === 'NONE') key = null;
      else if (a.METHOD === 'AES-128' && a.URI) {
        key = { method: 'AES-128', uri: new URL(a.URI, baseUrl).toString(), iv: a.IV ? Buffer.from(a.IV.replace(/^0x/i, '').padStart(32, '0'), 'hex') : null };
      } else throw new Error(`unsupported HLS encryption ${a.METHOD}`);
    } else if (l.startsWith('#EXT-X-MAP:')) {
      const a = attrs(l);
      if (a.URI) init = new URL(a.URI, baseUrl).toString();
    } else if (l.startsWith('#EXTINF:')) duration = parseFloat(l.slice(8));
    else if (l.startsWith('#EXT-X-BYTERANGE:')) {
      const [len, off] = l.slice(17).split('@');
      const offset = off !== undefined ? Number(off) : lastRangeEnd;
      range = [offset, Number(len)];
      lastRangeEnd = offset + Number(len);
    } else if (!l.startsWith('#')) {
      segments.push({ index: segments.length, sequence: sequence + segments.length, url: new URL(l, baseUrl).toString(), duration, key, range, init });
      duration = 0;
      range = null;
    }
  }
  if (segments.length === 0) throw new Error('media playlist lists no segments');
  return { segments, totalDuration: segments.reduce((s, x) => s + x.duration, 0) };
}

export function sequenceIv(sequence: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(sequence), 8);
  return iv;
}
