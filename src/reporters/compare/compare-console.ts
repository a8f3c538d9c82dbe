/**
 * compare's console output, benchstat-like: the verdict first, what changed, then one aligned
 * table per level (median ± spread per side, the difference with its interval or `~`, the
 * verdict, and the test's p and n), the gates, and how the numbers were tested at the foot.
 */
import type { CompareResult } from '../../metrics/compare-types.js';
import { alignColumns, formatDelta, formatSpread, formatTest, formatValue } from './compare-format.js';

export function renderCompareConsole(result: CompareResult): string {
  const out: string[] = [];
  const pct = `${+(result.confidence * 100).toFixed(2)}%`;
  out.push(`comfyload compare: ${sideText(result.baseline)} vs ${sideText(result.candidate)}`);
  out.push(result.headline);
  for (const g of result.gates.filter((x) => x.verdict === 'fail')) out.push(`  ${g.line}`);
  if (result.differentWorkflow) out.push(`WARNING: ${result.notes[0] ?? 'different workloads compared'}`);
  out.push('');
  out.push('What changed (fingerprint):');
  if (result.fingerprint.rows.length === 0) out.push('  nothing: the same environment and workload on both sides');
  else
    out.push(
      ...alignColumns(
        result.fingerprint.rows.map((r) => [
          `  ${r.key}`,
          r.baseline,
          '→',
          r.candidate,
          r.kind === 'workload' ? '(workload!)' : r.mixed !== null ? `(mixed: ${r.mixed})` : '',
        ]),
      ),
    );
  for (const level of result.levels) {
    const rows = result.rows.filter((r) => r.level === level.key);
    if (rows.length === 0) continue;
    out.push('');
    const header = [`${level.key}`, `${result.baseline.label}`, '', `${result.candidate.label}`, '', `vs base (${pct} CI)`, 'verdict', 'test'];
    const body = rows.map((r) => [
      r.metric,
      formatValue(r.comparison.baseline.centre, r.unit),
      formatSpread(r.comparison.baseline),
      formatValue(r.comparison.candidate.centre, r.unit),
      formatSpread(r.comparison.candidate),
      formatDelta(r),
      r.comparison.verdict,
      formatTest(r),
    ]);
    out.push(...alignColumns([header, ...body], [false, true, false, true, false, false, false, false]));
    const excluded = [level.baseline, level.candidate].map(
      (s) =>
        Object.entries(s.excluded)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'none',
    );
    out.push(
      `  ${level.baseline.okPrompts}+${level.candidate.okPrompts} ok prompts; not counted: ${excluded[0]} | ${excluded[1]}${level.batch > 1 ? `; ${level.batchReason}: batches of ${level.batch}` : ''}`,
    );
    for (const r of rows.filter((x) => x.comparison.needed !== undefined)) out.push(`  ${r.metric}: too few samples: ${r.comparison.needed!.text}`);
  }
  if (result.unmatchedLevels.baseline.length + result.unmatchedLevels.candidate.length > 0) {
    out.push(
      '',
      `Levels on one side only (not compared): baseline ${result.unmatchedLevels.baseline.join(', ') || '–'}; candidate ${result.unmatchedLevels.candidate.join(', ') || '–'}`,
    );
  }
  out.push('', 'Gates:');
  for (const g of result.gates) out.push(`  ${g.line}`);
  out.push('', ...result.notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}

function sideText(s: CompareResult['baseline']): string {
  return `${s.label} (${s.runs} run${s.runs === 1 ? '' : 's'}${s.names ? `: ${s.names}` : ''})`;
}
