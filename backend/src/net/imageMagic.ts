/**
 * Raster images by their first bytes: a content type is only believed when the bytes agree
 * (a gzip or HTML body labelled `image/png` is refused). SVG is never an image here: it can carry script.
 */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const IMAGE_MAGIC: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.length > 8 && b.subarray(0, 8).equals(PNG),
  'image/webp': (b) => b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  'image/gif': (b) => b.length > 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6)),
  'image/avif': (b) => b.length > 12 && b.toString('latin1', 4, 8) === 'ftyp' && /^avi[fs]$/.test(b.toString('latin1', 8, 12)),
};

/** The content type without parameters, `image/jpg` read as `image/jpeg`. */
export function imageType(header: string | undefined): string {
  const t = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return t === 'image/jpg' ? 'image/jpeg' : t;
}

/** True when `type` is a raster type we accept and the bytes start as that type does. */
export function bytesMatchType(type: string, body: Buffer): boolean {
  return IMAGE_MAGIC[type]?.(body) ?? false;
}
