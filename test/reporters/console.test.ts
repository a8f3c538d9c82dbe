import { describe, expect, it } from 'vitest';
import { ConsoleReporter } from '../../src/reporters/console.js';
import {
  formatLevelLine,
  formatProgressLine,
  formatRateIn,
  formatRunSummaryText,
  formatSummaryTable,
  rateUnitFor,
  type ProgressState,
} from '../../src/reporters/console-format.js';
import { levelSummaryFixture } from './fixtures.js';

const state: ProgressState = {
  level: 1,
  levelCount: 3,
  concurrency: 4,
  phase: 'measure',
  settled: 17,
  plannedPrompts: 40,
  inFlight: 4,
  errors: 1,
  completionP50Ms: 6123,
  completionP95Ms: 14_900,
  elapsedMs: 65_000,
};

function setup(isTTY: boolean): { reporter: ConsoleReporter; out: string[]; advance: (ms: number) => void } {
  let nowMs = 0;
  const out: string[] = [];
  const reporter = new ConsoleReporter({ sink: { write: (chunk: string) => out.push(chunk) }, isTTY, clock: () => nowMs, throttleMs: 250, levelCount: 3 });
  return { reporter, out, advance: (ms) => (nowMs += ms) };
}

describe('console formatting', () => {
  it('formats the progress line with level, done/total, in flight, p50/p95 and errors', () => {
    expect(formatProgressLine(state)).toBe('L2/3 c=4 | 17/40 done | 4 in flight | completion p50 6.12s p95 14.9s | errors 1 | 1m05s');
    expect(
      formatProgressLine({
        ...state,
        plannedPrompts: undefined,
        completionP50Ms: undefined,
        completionP95Ms: undefined,
        elapsedMs: undefined,
        phase: 'warmup',
      }),
    ).toBe('warmup c=4 | 17 done | 4 in flight | completion p50 - p95 - | errors 1');
  });

  it('formats a level line and the summary table', () => {
    expect(formatLevelLine(levelSummaryFixture(), 3)).toBe(
      'L2/3 c=4 | 40 ok, 2 not ok of 42 | 0.667 prompts/s | 80.0 images/min | completion p50 6.00s p95 7.80s p99 9.00s | step p50 150ms | in 1m00s',
    );
    expect(formatLevelLine(levelSummaryFixture({ settledFromHistory: 3 }), 3)).toMatch(
      /^L2\/3 c=4 \| 40 ok, 2 not ok of 42 \(3 settled from \/history, not in the latencies\) \| 0\.667 prompts\/s/,
    );
    const table = formatSummaryTable([levelSummaryFixture({ level: 0, concurrency: 1 }), levelSummaryFixture()]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^level\s+conc\s+ok\s+err\s+prompts\/s\s+images\/min\s+queue p50\s+queue p95\s+compl p50\s+compl p95\s+compl p99\s+step p50$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[3]).toMatch(/^\s+L2\s+4\s+40\s+2\s+0\.667\s+80\.0\s+3\.00s\s+3\.90s\s+6\.00s\s+7\.80s\s+9\.00s\s+150ms$/);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});

describe('ConsoleReporter on a TTY', () => {
  it('rewrites one progress line with \\r, throttled on the injected clock', () => {
    const { reporter, out, advance } = setup(true);
    reporter.progress(state);
    advance(249);
    reporter.progress({ ...state, settled: 18 });
    expect(out).toHaveLength(1);
    advance(1);
    let computed = 0;
    reporter.progress(() => (computed++, { ...state, settled: 19, errors: 0 }));
    expect(computed).toBe(1);
    expect(out).toHaveLength(2);
    expect(out[1]?.startsWith('\r')).toBe(true);
    expect(out[1]).toContain('19/40 done');
    expect(out.join('')).not.toContain('\n');
  });

  it('skips computing the state when throttled, unless forced', () => {
    const { reporter, out } = setup(true);
    reporter.progress(state);
    let computed = 0;
    reporter.progress(() => (computed++, state));
    expect(computed).toBe(0);
    reporter.progress(state, true);
    expect(out).toHaveLength(2);
  });

  it('clears the progress line before a level line, and at the end', () => {
    const { reporter, out } = setup(true);
    reporter.progress(state);
    reporter.levelEnd(levelSummaryFixture());
    expect(out[1]).toMatch(/^\r +\r$/);
    expect(out[2]).toContain('\u001b[31m');
    reporter.progress(state, true);
    reporter.finish();
    expect(out.at(-1)).toMatch(/^\r +\r$/);
    expect(out.join('')).not.toContain('compl p99');
  });
});

describe('ConsoleReporter on a narrow terminal', () => {
  it('cuts the live line to the terminal width, so \\r redraws it in place', () => {
    const out: string[] = [];
    const reporter = new ConsoleReporter({ sink: { write: (c: string) => out.push(c) }, isTTY: true, clock: () => 0, levelCount: 3, columns: () => 40 });
    reporter.progress(state, true);
    expect(out[0]).toBe(`\r${formatProgressLine(state).slice(0, 38)}…`);
    expect((out[0] ?? '').length - 1).toBe(39);
  });
});

describe('ConsoleReporter on a non-TTY', () => {
  it('writes only a line per level: no progress, no \\r, no ANSI, no table', () => {
    const { reporter, out } = setup(false);
    reporter.progress(state, true);
    reporter.levelEnd(levelSummaryFixture());
    reporter.warn('3 prompts looked cached');
    reporter.finish();
    const text = out.join('');
    expect(text).toBe(`${formatLevelLine(levelSummaryFixture(), 3)}\nwarning: 3 prompts looked cached\n`);
    expect(text.includes('\r') || text.includes('\u001b')).toBe(false);
  });
});

describe('the live line and the end-of-run summary', () => {
  it('shows the current step of each prompt in flight', () => {
    expect(formatProgressLine({ ...state, steps: [{ value: 14, max: 20 }] })).toContain('| step 14/20 |');
    const many = Array.from({ length: 6 }, (_, i) => ({ value: i + 1, max: 20 }));
    expect(formatProgressLine({ ...state, steps: many })).toContain('| steps 1/20 2/20 3/20 4/20 +2 |');
    expect(formatProgressLine({ ...state, steps: [] })).not.toContain('step');
  });

  it('labels an open-loop level by its rate, in one unit per run, never c=0', () => {
    expect(rateUnitFor([2, 0.5])).toBe('min');
    expect(rateUnitFor([20, 30])).toBe('s');
    expect(rateUnitFor([1 / 7200])).toBe('h');
    expect(formatRateIn(2, 'min')).toBe('120/min');
    expect(formatRateIn(109.3 / 60, 'min')).toBe('109.3/min');
    expect(formatProgressLine({ ...state, concurrency: 0, rate: { perSec: 2, unit: 'min' } })).toMatch(/^L2\/3 rate 120\/min \|/);
    const open = levelSummaryFixture({ concurrency: 0, ratePerSec: 2 });
    expect(formatLevelLine(open, 3, 'min')).toMatch(/^L2\/3 rate 120\/min \|/);
    expect(formatLevelLine({ ...open, offeredPerSec: 109.3 / 60 }, 3, 'min')).toMatch(/^L2\/3 rate 120\/min \(offered 109\.3\/min\) \|/);
  });

  it('says the answer first for a closed loop: where the GPU saturates, by the rule of the report', () => {
    const at = (level: number, concurrency: number, promptsPerSec: number) =>
      levelSummaryFixture({ level, concurrency, throughput: { promptsPerSec, imagesPerMin: promptsPerSec * 60, samplerStepsPerSec: promptsPerSec * 20 } });
    const summary = { name: 'sd15', warmup: null, totals: { submitted: 126, ok: 120, notOk: 6 }, partial: false, settings: { mode: 'closed-loop' } };
    const flat = formatRunSummaryText({ ...summary, levels: [at(0, 1, 0.7401), at(1, 2, 0.7423), at(2, 4, 0.741)] }, '/r').split('\n');
    expect(flat[1]).toMatch(/^Peak 44\.5 images\/min at c=2, GPU saturated from c=1: more clients only add queue wait/);
    const rising = formatRunSummaryText({ ...summary, levels: [at(0, 1, 0.5), at(1, 2, 0.9)] }, '/r').split('\n');
    expect(rising[1]).toMatch(/^Peak 54\.0 images\/min at c=2: throughput still rising/);
    const capacity = formatRunSummaryText({ ...summary, settings: { mode: 'capacity' }, levels: [at(0, 1, 0.5)] }, '/r').split('\n');
    expect(capacity[1]).toBe('');
  });

  it('prints a plain table with the planned and offered rates, the totals and the folder', () => {
    const level = levelSummaryFixture({ level: 0, concurrency: 0, ratePerSec: 2 });
    const text = formatRunSummaryText(
      {
        name: 'sd15',
        levels: [level],
        warmup: null,
        totals: { submitted: 42, ok: 40, notOk: 2 },
        partial: false,
        openLoop: [{ level: 0, ratePerSec: 2, offeredPerSec: 109.3 / 60 }],
      },
      '/tmp/r',
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('comfyload sd15: 40 ok, 2 not ok of 42 measured prompts');
    // The answer first, by report.html's rule: 40 ok/min of 120/min planned is falling behind.
    expect(lines[1]).toBe(
      'Peak 80.0 images/min at 120/min; from 120/min the server falls behind (ok 40.0/min of 120/min planned): arrivals beyond its capacity only queue.',
    );
    expect(lines[3]).toMatch(/^level\s+rate\s+offered\s+ok\s+err/);
    expect(lines[5]).toMatch(/^\s*L1\s+120\/min\s+109\.3\/min\s+40\s+2\s/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('results: /tmp/r');
    expect(text).not.toContain('\u001b');
    expect(
      formatRunSummaryText(
        { name: 'x', levels: { '1': levelSummaryFixture() }, warmup: null, totals: { submitted: 42, ok: 40, notOk: 2 }, partial: false },
        '/r',
        true,
      ),
    ).toContain('\u001b[31m');
  });
});
