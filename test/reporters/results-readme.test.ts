/**
 * results/README.md is generated from the writers' column lists (src/reporters/results-readme.ts):
 * this test fails when it is stale or when a writer has a column without a description.
 * `UPDATE_DOCS=1 npx vitest run test/reporters/results-readme.test.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { levelsCsvColumns } from '../../src/reporters/levels-csv.js';
import { requestsCsvColumns } from '../../src/reporters/requests-csv.js';
import { renderResultsReadme } from '../../src/reporters/results-readme.js';
import { VRAM_CSV_COLUMNS } from '../../src/reporters/vram-csv.js';
import { packageInfo } from '../../src/session/package-info.js';

const path = join(packageInfo().root, 'results/README.md');

describe('results/README.md', () => {
  if (process.env.UPDATE_DOCS === '1') {
    it('rewrites results/README.md', () => writeFileSync(path, renderResultsReadme()));
    return;
  }

  it('is up to date with the writers', () => {
    expect(readFileSync(path, 'utf8'), 'run: UPDATE_DOCS=1 npx vitest run test/reporters/results-readme.test.ts').toBe(renderResultsReadme());
  });

  it('documents every file kind and every column the writers write', () => {
    const text = renderResultsReadme();
    for (const file of [
      'summary.json',
      'levels.csv',
      'requests.csv',
      'histograms.hlog',
      '.hgrm',
      'vram.csv',
      'report.html',
      'queue.csv',
      'targets.csv',
      'trials.csv',
      'capacity.json',
      'workflows.csv',
      'swaps.csv',
    ])
      expect(text).toContain(file);
    for (const column of [...requestsCsvColumns(), ...VRAM_CSV_COLUMNS]) expect(text).toContain(`| \`${column}\` |`);
    for (const column of levelsCsvColumns()) expect(text.includes(`| \`${column}\` |`) || text.includes(`| \`${column.split('_')[0]}_{`)).toBe(true);
  });
});
