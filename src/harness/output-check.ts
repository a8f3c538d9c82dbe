/**
 * Whether downloaded bytes are a plausible image: a known signature and, for PNG, an IHDR chunk
 * with non-zero dimensions. Catches HTML error pages and truncated files served as outputs.
 */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageCheck = { ok: true; format: 'png' | 'jpeg' | 'webp' | 'gif'; width?: number; height?: number } | { ok: false; reason: string };

export function checkImage(bytes: Uint8Array): ImageCheck {
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const chunkType = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    if (chunkType !== 'IHDR' || width === 0 || height === 0) return { ok: false, reason: 'PNG without a valid IHDR' };
    return { ok: true, format: 'png', width, height };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ok: true, format: 'jpeg' };
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { ok: true, format: 'webp' };
  if (bytes.length >= 6 && ascii(bytes, 0, 3) === 'GIF') return { ok: true, format: 'gif' };
  return { ok: false, reason: bytes.length === 0 ? 'empty file' : `not an image (starts ${JSON.stringify(ascii(bytes, 0, Math.min(16, bytes.length)))})` };
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
