/**
 * A tiny baseline JPEG encoder for preview frames: grayscale, one flat value per 8×8 block
 * (DC coefficients only, every AC run ends at once). Enough for a valid, seed-dependent JFIF
 * picture without an image library; preview pixels carry no meaning for a load test.
 */

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]; // standard luminance DC
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_Q = 8; // with q = 8 a flat block's DC equals (value - 128)

/** Canonical Huffman codes of the DC table, by category. */
const DC_CODES = ((): { code: number; len: number }[] => {
  const out: { code: number; len: number }[] = [];
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < (DC_BITS[len - 1] ?? 0); i++) out[DC_VALS[k++] ?? 0] = { code: code++, len };
    code <<= 1;
  }
  return out;
})();

class BitWriter {
  readonly bytes: number[] = [];
  #acc = 0;
  #n = 0;

  write(value: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((value >>> i) & 1);
      if (++this.#n === 8) this.#flushByte();
    }
  }

  finish(): void {
    while (this.#n !== 0) this.write(1, 1); // pad with 1-bits
  }

  #flushByte(): void {
    this.bytes.push(this.#acc);
    if (this.#acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.#acc = 0;
    this.#n = 0;
  }
}

function segment(marker: number, body: number[]): number[] {
  const len = body.length + 2;
  return [0xff, marker, len >> 8, len & 0xff, ...body];
}

/** Encodes `blocks` (one 0..255 value per 8×8 block, row-major) as a JPEG of (bw·8)×(bh·8). */
export function encodeBlockJpeg(bw: number, bh: number, blocks: ArrayLike<number>): Buffer {
  const w = bw * 8;
  const h = bh * 8;
  const bits = new BitWriter();
  let prev = 0;
  for (let i = 0; i < bw * bh; i++) {
    const dc = Math.max(-128, Math.min(127, Math.round((blocks[i] ?? 128) - 128)));
    const diff = dc - prev;
    prev = dc;
    const cat = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    const hc = DC_CODES[cat] as { code: number; len: number };
    bits.write(hc.code, hc.len);
    if (cat > 0) bits.write(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
    bits.write(0, 1); // AC: end of block (the only code of the one-symbol AC table)
  }
  bits.finish();
  const jfif = [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0x00, DC_Q, ...new Array<number>(63).fill(1)];
  const sof = [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0];
  const dhtDc = [0x00, ...DC_BITS, ...DC_VALS];
  const dhtAc = [0x10, 1, ...new Array<number>(15).fill(0), 0x00];
  const sos = [1, 1, 0x00, 0, 63, 0];
  return Buffer.from([
    0xff,
    0xd8,
    ...segment(0xe0, jfif),
    ...segment(0xdb, dqt),
    ...segment(0xc0, sof),
    ...segment(0xc4, dhtDc),
    ...segment(0xc4, dhtAc),
    ...segment(0xda, sos),
    ...bits.bytes,
    0xff,
    0xd9,
  ]);
}

/** A 64×64 preview whose blocks depend on (seed, step): a moving diagonal gradient. */
export function previewJpeg(seed: number, step: number, total: number): Buffer {
  const n = 8;
  const blocks = new Uint8Array(n * n);
  const phase = total > 0 ? step / total : 1;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      blocks[y * n + x] = Math.round(40 + 170 * (((x + y) / (2 * n - 2)) * phase + ((seed % 97) / 97) * (1 - phase)));
    }
  }
  return encodeBlockJpeg(n, n, blocks);
}
