/**
 * The first thing report.html says: the answer in one sentence (the peak and where the GPU
 * saturates, or the rate it stops keeping up with), the rule that sentence follows, the run's
 * gates (--max-error-rate and every --threshold) with pass/fail, and the error rate per level.
 */
import { levelName } from '../../metrics/level-number.js';
import type { CapacityResult, RunSummary } from '../../metrics/result-types.js';
import type { LevelRow } from './report-data.js';
import { formatPerMin } from '../format.js';
import { esc } from './render-tables.js';

export interface Headline {
  sentence: string;
  rule: string;
  gates: { rule: string; verdict: string; figure: string }[];
  errorRates: { label: string; notOk: number; submitted: number }[];
}

/** Within this fraction of the peak throughput counts as saturated. */
const SATURATED_WITHIN = 0.05;

const pct = (fraction: number): string => `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 2 : 1)}%`;
const ipm = (v: number | null): string => `${(v ?? 0).toFixed(1)} images/min`;

/** What the answer sentence needs of a measured level (a report row, or the console's level summary). */
export type HeadlineLevel = Pick<LevelRow, 'concurrency' | 'label' | 'ratePerMin' | 'promptsPerSec' | 'imagesPerMin' | 'completionP50Ms'>;

/** The answer in one sentence, for a closed or open loop (the console's summary says it too); undefined for a capacity search. */
export function headlineSentence(
  mode: string,
  measured: readonly HeadlineLevel[],
  capacity?: CapacityResult,
  run: { partial?: boolean; resultsDir?: string } = {},
): string | undefined {
  if (mode === 'capacity') return capacity !== undefined ? capacitySentence(capacity, run) : undefined;
  return mode === 'closed-loop' ? closedLoopSentence(measured) : mode === 'open-loop' ? openLoopSentence(measured) : undefined;
}

/**
 * A capacity search's answer: the max rate meeting every SLO with the trial that backs it, or why
 * there is none; and, when the search did not finish, that the answer is provisional and how to go on.
 */
export function capacitySentence(c: CapacityResult, run: { partial?: boolean; resultsDir?: string } = {}): string {
  const slos = c.slos.join(' and ');
  const decided = c.trials.filter((t) => t.verdict !== 'stopped');
  const trials = `${decided.length} trial${decided.length === 1 ? '' : 's'}`;
  const answer =
    c.refused !== undefined
      ? `No rate can meet ${slos}: refused after the probe, no trial run`
      : c.maxRatePerSec === null
        ? `No rate met ${slos} in ${trials}`
        : `Max rate ${formatPerMin(c.maxRatePerSec)} meeting ${slos}${c.goodputPerSec !== null ? `, goodput ${formatPerMin(c.goodputPerSec)}` : ''}` +
          `${c.firstFailRatePerSec !== null ? `; fails from ${formatPerMin(c.firstFailRatePerSec)}` : ''} (${trials})`;
  const resume = `comfyload capacity --resume ${run.resultsDir ?? '<results folder>'}`;
  const unfinished =
    c.stoppedEarly !== undefined
      ? ` The search did not finish (${c.stoppedEarly}): continue it with \`${resume}\` and a larger budget.`
      : run.partial === true || c.trials.some((t) => t.verdict === 'stopped')
        ? ` The search did not finish: continue it with \`${resume}\`.`
        : '';
  return `${answer}.${unfinished}`;
}

export function headlineData(s: RunSummary, levels: readonly LevelRow[]): Headline {
  const mode = s.settings.mode;
  const measured = levels.filter((l) => l.x !== null);
  const sentence = headlineSentence(mode, measured, s.capacity, { partial: s.partial }) ?? 'Capacity search: the answer is below.';
  const rule =
    mode === 'closed-loop'
      ? `Rule: the GPU counts as saturated from the first level whose ok throughput is within ${SATURATED_WITHIN * 100}% of the peak; past it, more virtual users add queue wait, not images.`
      : mode === 'open-loop'
        ? `Rule: a level keeps up when its ok throughput is within ${SATURATED_WITHIN * 100}% of its planned rate; below that the server queue grows for as long as the level lasts.`
        : "Rule: the capacity search's own (see the capacity section).";
  return {
    sentence,
    rule,
    gates: gatesOf(s),
    errorRates: levels.map((l) => ({ label: mode === 'capacity' ? l.label : `${levelName(l.level)} ${l.label}`, notOk: l.notOk, submitted: l.submitted })),
  };
}

function closedLoopSentence(levels: readonly HeadlineLevel[]): string {
  const withOk = levels.filter((l) => (l.promptsPerSec ?? 0) > 0);
  if (withOk.length === 0) return 'No prompt finished ok: no throughput to report.';
  const peak = withOk.reduce((a, b) => ((b.promptsPerSec ?? 0) > (a.promptsPerSec ?? 0) ? b : a));
  const peakRate = peak.promptsPerSec ?? 0;
  const head = `Peak ${ipm(peak.imagesPerMin)} at c=${peak.concurrency}`;
  if (withOk.length === 1) return `${head} (one level measured: no saturation point).`;
  const sorted = [...withOk].sort((a, b) => a.concurrency - b.concurrency);
  const saturated = sorted.find((l) => (l.promptsPerSec ?? 0) >= peakRate * (1 - SATURATED_WITHIN))!;
  const last = sorted[sorted.length - 1]!;
  if (saturated === last) return `${head}: throughput still rising at the highest level, so the GPU is not saturated yet; measure higher concurrency.`;
  const wait = (l: HeadlineLevel): string =>
    l.completionP50Ms === null ? '–' : l.completionP50Ms < 1000 ? `${Math.round(l.completionP50Ms)} ms` : `${(l.completionP50Ms / 1000).toFixed(2)} s`;
  return `${head}, GPU saturated from c=${saturated.concurrency}: more clients only add queue wait (completion p50 ${wait(saturated)} at c=${saturated.concurrency}, ${wait(last)} at c=${last.concurrency}).`;
}

function openLoopSentence(levels: readonly HeadlineLevel[]): string {
  const rated = levels.filter((l) => l.ratePerMin !== null).sort((a, b) => (a.ratePerMin ?? 0) - (b.ratePerMin ?? 0));
  if (rated.length === 0) return 'No level with a planned rate was measured.';
  const okPerMin = (l: HeadlineLevel): number => (l.promptsPerSec ?? 0) * 60;
  const peak = rated.reduce((a, b) => ((b.imagesPerMin ?? 0) > (a.imagesPerMin ?? 0) ? b : a));
  const behind = rated.find((l) => okPerMin(l) < (l.ratePerMin ?? 0) * (1 - SATURATED_WITHIN));
  const head = `Peak ${ipm(peak.imagesPerMin)} at ${peak.label}`;
  if (behind === undefined) return `${head}: every planned rate was kept up with (up to ${rated[rated.length - 1]!.label}).`;
  return `${head}; from ${behind.label} the server falls behind (ok ${okPerMin(behind).toFixed(1)}/min of ${behind.label} planned): arrivals beyond its capacity only queue.`;
}

function gatesOf(s: RunSummary): Headline['gates'] {
  const { submitted, notOk } = s.totals;
  const rate = submitted > 0 ? notOk / submitted : 0;
  const gates: Headline['gates'] = [
    {
      rule: `error rate ≤ ${pct(s.settings.maxErrorRate)} (--max-error-rate)`,
      verdict: rate > s.settings.maxErrorRate ? 'fail' : 'pass',
      figure: `${pct(rate)}: ${notOk} not ok of ${submitted} measured prompts`,
    },
  ];
  for (const t of s.thresholds ?? []) gates.push({ rule: t.threshold, verdict: t.verdict, figure: t.line.replace(/^threshold [^:]+: [A-Z ]+: /, '') });
  return gates;
}

export function headlineSection(h: Headline): string {
  const cls = (v: string): string => (v === 'pass' ? 'pass' : v === 'fail' ? 'fail' : 'undecided');
  const gates = h.gates
    .map((g) => `<tr><td>${esc(g.rule)}</td><td class="${cls(g.verdict)}">${esc(g.verdict.toUpperCase())}</td><td>${esc(g.figure)}</td></tr>`)
    .join('');
  const errors = h.errorRates
    .map(
      (e) =>
        `<li${e.notOk > 0 ? ' class="fail"' : ''}>${esc(e.label)}: ${esc(e.submitted > 0 ? pct(e.notOk / e.submitted) : '–')} (${e.notOk} of ${e.submitted})</li>`,
    )
    .join('');
  return `<section id="headline">
<p class="answer" id="answer">${esc(h.sentence)}</p>
<p class="caption">${esc(h.rule)}</p>
<table class="gates"><thead><tr><th>gate</th><th>verdict</th><th>figure</th></tr></thead><tbody>${gates}</tbody></table>
<p class="errors-label">Error rate per level:</p><ul class="error-rates">${errors}</ul>
</section>`;
}
