/**
 * VramSeries keeps a target's samples in typed columns and a prompt as a count at the sample
 * after it; every figure must equal vram-stats.ts's over the full sample objects and the list of
 * completion times, to the last bit, whatever the order prompts settle in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VramSample } from '../../src/metrics/result-types.js';
import { promptVramPeak, vramDrift, vramFigures } from '../../src/metrics/vram-stats.js';
import { VramSeries } from '../../src/metrics/vram-series.js';

const MB = 1024 * 1024;

function sample(atMs: number, usedMb: number, phase: 'warmup' | 'measure'): VramSample {
  return {
    atMs,
    pollMs: 1,
    level: 0,
    phase,
    concurrency: 1,
    inFlight: 1,
    ramTotalBytes: 64 * 1024 * MB,
    ramUsedBytes: (usedMb % 7) * MB,
    devices: [
      {
        device: 0,
        name: 'GPU',
        vramTotalBytes: 24 * 1024 * MB,
        vramUsedBytes: usedMb * MB,
        torchReservedBytes: (usedMb + 3) * MB,
        torchActiveBytes: usedMb * MB - 5,
      },
    ],
  };
}

const arbitraryRun = fc.record({
  gaps: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 80 }),
  used: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 80, maxLength: 80 }),
  warmup: fc.integer({ min: 0, max: 10 }),
  completions: fc.array(fc.record({ atMs: fc.double({ min: 0, max: 25_000, noNaN: true }), lagSamples: fc.integer({ min: 0, max: 5 }) }), { maxLength: 200 }),
});

describe('VramSeries', () => {
  it('gives the figures, prompt peaks and drift of vram-stats.ts exactly (property)', () => {
    fc.assert(
      fc.property(arbitraryRun, ({ gaps, used, warmup, completions }) => {
        let t = 0;
        const samples = gaps.map((gap, i) => sample((t += gap), used[i] ?? 0, i < warmup ? 'warmup' : 'measure'));
        const series = new VramSeries();
        // Prompts settle some samples after they completed (a settle may lag), or before the next sample arrived.
        const due = completions.map((c) => ({
          ...c,
          at:
            Math.max(
              0,
              samples.findIndex((s) => s.atMs >= c.atMs),
            ) + c.lagSamples,
        }));
        samples.forEach((s, i) => {
          for (const c of due.filter((d) => d.at === i)) series.noteCompletion(c.atMs);
          series.add(s);
        });
        for (const c of due.filter((d) => d.at >= samples.length)) series.noteCompletion(c.atMs);
        const measured = samples.filter((s) => s.phase === 'measure');
        expect(series.drift()).toEqual(
          vramDrift(
            measured,
            completions.map((c) => c.atMs),
          ),
        );
        expect(series.figures()).toEqual(vramFigures(samples));
        const mid = samples[Math.floor(samples.length / 2)]!.atMs;
        expect(series.figures(mid / 2, mid)).toEqual(vramFigures(samples, mid / 2, mid));
        expect(series.peak(mid / 3, mid)).toEqual(promptVramPeak(samples, mid / 3, mid));
      }),
      { numRuns: 300 },
    );
  });

  it('counts each prompt at the sample after it; those after the last sample are no point of the fit', () => {
    const series = new VramSeries();
    for (let i = 0; i < 1000; i++) series.add(sample(i, i, 'measure'));
    for (let i = 0; i < 100_000; i++) series.noteCompletion(i / 100);
    expect(series.length).toBe(1000);
    // Completions at 0.00 … 999.99 ms; the last sample is at 999 ms, so the 99 after it have no sample.
    expect(series.drift()!.prompts).toBe(100_000 - 99);
  });
});
