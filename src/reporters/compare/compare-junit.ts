/**
 * `compare --junit file.xml`: one JUnit test case per gate, so CI systems list each gate with its
 * line. A failed gate is a `<failure>`, a gate without enough samples is `<skipped>`.
 */
import type { CompareResult } from '../../metrics/compare-types.js';

export function renderCompareJunit(result: CompareResult): string {
  const failures = result.gates.filter((g) => g.verdict === 'fail').length;
  const skipped = result.gates.filter((g) => g.verdict === 'too few samples').length;
  const cases = result.gates.map((g) => {
    const name = `${xml(g.gate)}`;
    const body =
      g.verdict === 'fail'
        ? `<failure message="${xml(g.line)}" type="regression">${xml(g.line)}</failure>`
        : g.verdict === 'too few samples'
          ? `<skipped message="${xml(g.line)}"/>`
          : `<system-out>${xml(g.line)}</system-out>`;
    return `    <testcase classname="comfyload.compare" name="${name}">${body}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="comfyload compare" tests="${result.gates.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="comfyload compare: ${xml(result.baseline.label)} vs ${xml(result.candidate.label)}" tests="${result.gates.length}" failures="${failures}" skipped="${skipped}" errors="0">`,
    `    <properties><property name="headline" value="${xml(result.headline)}"/><property name="confidence" value="${result.confidence}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Drops C0 controls other than tab, LF and CR: XML 1.0 forbids them even escaped. */
function withoutControls(text: string): string {
  return [...text].filter((c) => c.charCodeAt(0) >= 0x20 || c === '\t' || c === '\n' || c === '\r').join('');
}

function xml(text: string): string {
  return withoutControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
