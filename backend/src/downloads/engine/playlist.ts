import * as HLS from 'hls-parser';
import { DownloadError, LivePlaylistError } from './errors.js';

/**
 * HLS playlists, read with hls-parser: master (variants, with their separate audio renditions,
 * EXT-X-MEDIA) and media (segments with their EXT-X-KEY in force, EXT-X-BYTERANGE, EXT-X-MAP with
 * or without a byte range, EXT-X-DISCONTINUITY). A media playlist without EXT-X-ENDLIST (live or
 * event) is refused with LivePlaylistError.
 */
HLS.setOptions({ silent: true }); // a sloppy playlist that still parses is no reason to log

export interface Variant {
  url: string;
  bandwidth: number;
  width: number | null;
  height: number | null;
  /** The media playlist of the variant's separate audio (EXT-X-MEDIA TYPE=AUDIO with a URI), null when muxed in. */
  audio: string | null;
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
  /** EXT-X-MAP BYTERANGE of the init section: [offset, length]. */
  initRange: [number, number] | null;
  /** The init section goes in front of this segment: the first one, and one whose EXT-X-MAP changed. */
  startsInit: boolean;
  /** EXT-X-DISCONTINUITY before this segment (timestamps or encoding change). */
  discontinuity: boolean;
}

export interface MediaPlaylist {
  segments: Segment[];
  totalDuration: number;
}

function parse(text: string): HLS.types.MasterPlaylist | HLS.types.MediaPlaylist {
  if (!text.trimStart().startsWith('#EXTM3U')) throw new DownloadError('not an HLS playlist (no #EXTM3U)');
  try {
    return HLS.parse(text);
  } catch (err) {
    throw new DownloadError(`unreadable HLS playlist: ${(err as Error).message.slice(0, 200)}`);
  }
}

export function isMasterPlaylist(text: string): boolean {
  return text.includes('#EXT-X-STREAM-INF');
}

export function parseMaster(text: string, baseUrl: string): Variant[] {
  const p = parse(text);
  if (!p.isMasterPlaylist) return [];
  return (p as HLS.types.MasterPlaylist).variants
    .filter((v) => !v.isIFrameOnly)
    .map((v) => {
      // the default rendition of the group, else its first one with a playlist (none: audio is muxed in)
      const audio = v.audio.find((r) => r.isDefault && r.uri) ?? v.audio.find((r) => r.uri);
      return {
        url: new URL(v.uri, baseUrl).toString(),
        bandwidth: v.bandwidth ?? 0,
        width: v.resolution?.width ?? null,
        height: v.resolution?.height ?? null,
        audio: audio?.uri ? new URL(audio.uri, baseUrl).toString() : null,
      };
    });
}

/** Highest resolution for 'best'; else the tallest variant not above the wanted height (or the smallest). */
export function pickVariant(variants: Variant[], quality: string | null | undefined): Variant {
  if (variants.length === 0) throw new Error('master playlist lists no variants');
  const sorted = [...variants].sort((a, b) => (b.height ?? 0) - (a.height ?? 0) || b.bandwidth - a.bandwidth);
  const wanted = quality && /^\d+p$/.test(quality) ? Number(quality.slice(0, -1)) : null;
  if (!wanted) return sorted[0]!;
  return sorted.find((v) => (v.height ?? 0) <= wanted) ?? sorted[sorted.length - 1]!;
}

function keyOf(k: HLS.types.Key | undefined, baseUrl: string): SegmentKey | null {
  if (!k || k.method === 'NONE') return null;
  if (k.method !== 'AES-128' || !k.uri) throw new DownloadError(`unsupported HLS encryption ${k.method}`);
  // a short hexadecimal IV (`0x1A`) is the low end of the 128-bit value
  const iv = k.iv ? Buffer.from(k.iv) : null;
  return {
    method: 'AES-128',
    uri: new URL(k.uri, baseUrl).toString(),
    iv: iv && iv.length < 16 ? Buffer.concat([Buffer.alloc(16 - iv.length), iv]) : iv,
  };
}

export function parseMedia(text: string, baseUrl: string): MediaPlaylist {
  const p = parse(text);
  if (p.isMasterPlaylist) throw new DownloadError('expected a media playlist, got a master playlist');
  const media = p as HLS.types.MediaPlaylist;
  if (!media.endlist) throw new LivePlaylistError(baseUrl);
  const mapOf = (s: HLS.types.Segment | undefined) =>
    s?.map ? `${s.map.uri}#${s.map.byterange?.offset}-${s.map.byterange?.length}` : null;
  const segments: Segment[] = media.segments.map((s, index) => ({
    index,
    sequence: s.mediaSequenceNumber,
    url: new URL(s.uri, baseUrl).toString(),
    duration: s.duration,
    key: keyOf(s.key, baseUrl),
    range: s.byterange ? [s.byterange.offset, s.byterange.length] : null,
    init: s.map ? new URL(s.map.uri, baseUrl).toString() : null,
    initRange: s.map?.byterange ? [s.map.byterange.offset, s.map.byterange.length] : null,
    startsInit: !!s.map && (index === 0 || mapOf(s) !== mapOf(media.segments[index - 1])),
    discontinuity: !!s.discontinuity,
  }));
  if (segments.length === 0) throw new DownloadError('media playlist lists no segments');
  return { segments, totalDuration: segments.reduce((sum, x) => sum + x.duration, 0) };
}

export function sequenceIv(sequence: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(sequence), 8);
  return iv;
}
