import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { previewJpeg } from '../../src/sim/jpeg.js';
import { encodePng, readPngSize, renderPixels } from '../../src/sim/png.js';

// Third-party decoders (installed transitively with jimp) check that the emulator's files are
// real images, not just bytes with the right magic number.
const require = createRequire(import.meta.url);
const jpegJs = require('jpeg-js') as { decode(b: Buffer, o: object): { width: number; height: number; data: Uint8Array } };
const pngJs = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Uint8Array } } } };

describe('image codecs', () => {
  test('preview JPEG decodes to 64×64 and depends on the step', () => {
    const a = previewJpeg(12345, 5, 10);
    const d = jpegJs.decode(a, { useTArray: true });
    expect([d.width, d.height]).toEqual([64, 64]);
    expect(a.subarray(0, 4).toString('hex')).toBe('ffd8ffe0');
    expect(previewJpeg(12345, 6, 10).equals(a)).toBe(false);
  });

  test('PNG decodes with the size written, pixels depend on the seed only', () => {
    const png = encodePng(64, 48, renderPixels(64, 48, 42), { prompt: '{"a": 1}' });
    const d = pngJs.PNG.sync.read(png);
    expect([d.width, d.height]).toEqual([64, 48]);
    expect(readPngSize(png)).toEqual({ width: 64, height: 48 });
    expect(renderPixels(64, 48, 42).equals(renderPixels(64, 48, 42))).toBe(true);
    expect(renderPixels(64, 48, 43).equals(renderPixels(64, 48, 42))).toBe(false);
  });
});
