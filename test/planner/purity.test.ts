/**
 * src/planner is pure (its results must be reproducible from a folder and a seed): no Node API,
 * no clock, no timer, no unseeded randomness, and imports only from itself, src/comfy/errors,
 * src/metrics and the three pure modules of src/harness whose behaviour it must share with the
 * real fleet (dispatch, arrival schedule, seeded PRNG).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'planner');
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
const ALLOWED = /^(\.\/[a-z-]+\.js|\.\.\/comfy\/errors\.js|\.\.\/metrics\/[a-z-]+\.js|\.\.\/harness\/(dispatch|arrival-schedule|rng)\.js)$/;

describe('given the files of src/planner', () => {
  it.each(files)('when %s is read, then it uses no Node API, clock, timer or unseeded randomness, and imports only what the layer may', (file) => {
    const code = readFileSync(join(SRC, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./);
    expect(code).not.toMatch(/Date\.now|performance\.now|new Date\(|setTimeout|setInterval|Math\.random/);
    const imports = [...code.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(ALLOWED);
  });
});
