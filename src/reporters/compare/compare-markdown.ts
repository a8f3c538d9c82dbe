/**
 * compare.md: a summary fit for a pull-request comment. The verdict first (and each failed
 * gate's line), then the table per level, then the fingerprint diff and the method notes.
 */
import type { CompareResult } from '../../metrics/compare-types.js';
import { formatDelta, formatSpread, formatTest, formatValue } from './compare-format.js';

export function renderCompareMarkdown(result: CompareResult): string {
  const pct = `${+(result.confidence * 100).toFixed(2)}%`;
  const icon = result.regression ? '❌' : '✅';
  const out: string[] = [`## ${icon} comfyload compare: ${esc(result.headline)}`, ''];
  if (result.differentWorkflow) out.push(`> **Warning:** ${esc(result.notes[0] ?? 'different workloads compared')}`, '');
  const failed = result.gates.filter((g) => g.verdict === 'fail');
  if (failed.length > 0) out.push(...failed.map((g) => `- **${esc(g.line)}**`), '');
  out.push(`Baseline: ${sideText(result.baseline)} · Candidate: ${sideText(result.candidate)} · confidence ${pct}`, '');
  const changed = result.fingerprint.rows.filter((r) => r.changed);
  if (changed.length > 0) out.push(`**Changed:** ${changed.map((r) => `${r.key} \`${esc(r.baseline)}\` → \`${esc(r.candidate)}\``).join(', ')}`, '');
  out.push(
    `| level | metric | ${esc(result.baseline.label)} | ${esc(result.candidate.label)} | vs base (${pct} CI) | verdict | test |`,
    '|---|---|--:|--:|---|---|---|',
  );
  for (const r of result.rows) {
    const v = r.comparison.verdict;
    const verdict = v === 'slower' ? '**slower**' : v === 'faster' ? 'faster' : v;
    out.push(
      `| ${r.level} | \`${r.metric}\` | ${formatValue(r.comparison.baseline.centre, r.unit)} ${formatSpread(r.comparison.baseline)} | ${formatValue(r.comparison.candidate.centre, r.unit)} ${formatSpread(r.comparison.candidate)} | ${formatDelta(r)} | ${verdict} | ${esc(formatTest(r))} |`,
    );
  }
  const few = result.rows.filter((r) => r.comparison.needed !== undefined);
  if (few.length > 0) out.push('', ...few.map((r) => `- \`${r.metric}\` at ${r.level}: too few samples: ${esc(r.comparison.needed!.text)}`));
  out.push('', '### Gates', '', ...result.gates.map((g) => `- ${g.verdict === 'fail' ? '❌' : g.verdict === 'pass' ? '✅' : '⚠️'} ${esc(g.line)}`));
  out.push('', '### What changed (fingerprint)', '');
  if (result.fingerprint.rows.length === 0) out.push('Nothing: the same environment and workload on both sides.');
  else {
    out.push('| key | baseline | candidate | |', '|---|---|---|---|');
    for (const r of result.fingerprint.rows)
      out.push(
        `| ${r.key} | \`${esc(r.baseline)}\` | \`${esc(r.candidate)}\` | ${r.kind === 'workload' ? 'workload' : r.mixed !== null ? `mixed (${r.mixed})` : ''} |`,
      );
  }
  out.push('', '<details><summary>How these numbers were tested</summary>', '', ...result.notes.map((n) => `- ${esc(n)}`), '', '</details>', '');
  return out.join('\n');
}

function sideText(s: CompareResult['baseline']): string {
  return `${s.runs} run${s.runs === 1 ? '' : 's'}${s.names ? ` (${esc(s.names)})` : ''}`;
}

/** Table cells must not break the Markdown table. */
function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
