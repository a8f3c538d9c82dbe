/**
 * Seeded pseudo-random numbers (mulberry32) for step-time jitter, preview-temp prefixes and
 * pixel patterns: one seed reproduces a whole emulator run's service times.
 */
export class SeededRng {
  #state: number;

  constructor(seed: number) {
    this.#state = hashSeed(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A multiplicative jitter factor around 1 with relative standard deviation `sd`, kept in [0.5, 1.5]. */
  jitter(sd: number): number {
    if (sd <= 0) return 1;
    return Math.min(1.5, Math.max(0.5, 1 + sd * this.normal()));
  }

  /** `n` letters from `alphabet`. */
  letters(n: number, alphabet = 'abcdefghijklmnopqrstupvxyz'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)] ?? 'a';
    return s;
  }

  hex(n: number): string {
    return this.letters(n, '0123456789abcdef');
  }
}

/** Folds any number (seeds can exceed 2^53 after JSON parsing) into a 32-bit state. */
export function hashSeed(seed: number | string): number {
  const s = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
