/**
 * docs/cli.md and docs/errors.md are generated from the options tables and the error catalogue.
 * This test fails when they are stale; `UPDATE_DOCS=1 npx vitest run test/cli/docs.test.ts`
 * rewrites them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ERROR_CODES } from '../../src/comfy/errors.js';
import { renderCliDoc, renderErrorsDoc, writeDocs } from '../../src/cli/gen-docs.js';
import { optionDefs } from '../../src/cli/option-table.js';
import { RUN_OPTIONS } from '../../src/cli/options-run.js';
import { SIM_OPTIONS } from '../../src/cli/options-sim.js';
import { packageInfo } from '../../src/session/package-info.js';

const root = packageInfo().root;
const read = (name: string): string => {
  try {
    return readFileSync(join(root, name), 'utf8');
  } catch {
    return '';
  }
};

describe('generated docs', () => {
  if (process.env.UPDATE_DOCS === '1') {
    it('rewrites docs/cli.md and docs/errors.md', async () => {
      await writeDocs(root);
    });
    return;
  }

  it('docs/cli.md is up to date with the options tables', () => {
    expect(read('docs/cli.md'), 'run: UPDATE_DOCS=1 npx vitest run test/cli/docs.test.ts').toBe(renderCliDoc());
  });

  it('docs/errors.md is up to date with ERROR_CODES', () => {
    expect(read('docs/errors.md'), 'run: UPDATE_DOCS=1 npx vitest run test/cli/docs.test.ts').toBe(renderErrorsDoc());
  });

  it('documents every option of every command and every error code', () => {
    const cli = renderCliDoc();
    for (const def of [...optionDefs(RUN_OPTIONS), ...optionDefs(SIM_OPTIONS)]) {
      expect(cli).toContain(`\`${def.flag}`);
      if (def.envVar !== null) expect(cli).toContain(`\`${def.envVar}\``);
    }
    const errors = renderErrorsDoc();
    for (const code of Object.keys(ERROR_CODES)) expect(errors).toContain(`### ${code}`);
  });
});
