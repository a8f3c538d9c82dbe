/**
 * Real PNG files for SaveImage/PreviewImage outputs (node:zlib), seed-dependent pixels, and a
 * header reader for uploaded inputs. Sizes are capped small: the files must be valid and differ
 * by seed, not be large.
 */
import { deflateSync } from 'node:zlib';
import { hashSeed } from './rng.js';

/** Longest side of any image the emulator writes. */
export const MAX_IMAGE_SIDE = 256;

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Scales (w, h) down to fit {@link MAX_IMAGE_SIDE}, keeping the aspect ratio. */
export function cappedSize(width: number, height: number): { width: number; height: number } {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const k = Math.min(1, MAX_IMAGE_SIDE / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

/**
 * RGB pixels that depend only on (seed, index): a two-colour gradient with a seeded ripple, so
 * the image is never blank and the same seed gives the same bytes.
 */
export function renderPixels(width: number, height: number, seed: number | string, index = 0, color?: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  const h = hashSeed(`${seed}:${index}`);
  const a = [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
  const b = color !== undefined ? [(color >>> 16) & 0xff, (color >>> 8) & 0xff, color & 0xff] : [255 - (a[0] ?? 0), (h >>> 24) & 0xff, 128];
  const freq = 2 + (h % 7);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / Math.max(1, width + height - 2);
      const ripple = color !== undefined ? 0 : Math.sin(((x * freq) / Math.max(1, width)) * Math.PI * 2) * 24;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = (a[c] ?? 0) * (1 - t) + (b[c] ?? 0) * t + ripple;
        px[o + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return px;
}

/** An 8-bit RGB PNG with optional tEXt chunks (ComfyUI embeds `prompt` and `workflow`). */
export function encodePng(width: number, height: number, rgb: Buffer, text: Record<string, string> = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  const texts = Object.entries(text).map(([k, v]) => chunk('tEXt', Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v, 'latin1')])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...texts,
    chunk('IDAT', deflateSync(raw, { level: 4 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Width and height from a PNG header, or undefined for anything else. */
export function readPngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50 || bytes[2] !== 0x4e || bytes[3] !== 0x47) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}
