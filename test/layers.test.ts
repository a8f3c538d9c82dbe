/**
 * The house checks itself (../shared/DESIGN.md "Layers"): every file of a layer imports only the
 * layers below it, and the protocol core stays pure (it is bundled into k6 scenarios: no Node
 * API, no clock, no timer). The error catalogue, src/comfy/errors.ts, is the one module every
 * layer may import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

type Layer = 'comfy' | 'metrics' | 'harness' | 'reporters' | 'sim' | 'planner' | 'session' | 'compare' | 'cli' | 'api';

/** What each layer may import: `value` layers fully, `types` layers with `import type` only. */
const ALLOWED: Record<Layer, { value: Layer[]; types: Layer[] }> = {
  comfy: { value: [], types: [] },
  // metrics computes a prompt's values with the pure core's timing rules (shared with the k6 scenarios).
  metrics: { value: ['comfy'], types: [] },
  harness: { value: ['comfy', 'metrics'], types: [] },
  // reporters render plan.json's predictions with the planner's own (pure) verdict formatting.
  reporters: { value: ['metrics', 'planner'], types: [] },
  sim: { value: [], types: ['comfy'] },
  // planner simulates a fleet with the harness's own dispatch and arrival schedule (pure modules).
  planner: { value: ['comfy', 'metrics', 'harness'], types: [] },
  session: { value: ['comfy', 'metrics', 'harness', 'reporters', 'sim', 'planner'], types: [] },
  // compare reads results folders only: it never runs an engine or an emulator.
  compare: { value: ['comfy', 'metrics', 'reporters', 'session'], types: [] },
  cli: { value: ['comfy', 'metrics', 'harness', 'reporters', 'sim', 'planner', 'session', 'compare'], types: [] },
  api: { value: ['comfy', 'metrics', 'harness', 'reporters', 'sim', 'planner', 'session', 'compare', 'cli'], types: [] },
};

const ERRORS = join(SRC, 'comfy', 'errors.ts');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  typeOnly: boolean;
  target: string;
}

/** Every relative import and re-export of a file, resolved to a source path. */
function importsOf(file: string): Import[] {
  const code = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+['"](\.[^'"]+)['"]/gms)) {
    out.push({ typeOnly: m[2] !== undefined, target: resolve(dirname(file), (m[3] ?? '').replace(/\.js$/, '.ts')) });
  }
  for (const m of code.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g))
    out.push({ typeOnly: false, target: resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')) });
  return out;
}

function layerOf(path: string): Layer | undefined {
  const top = relative(SRC, path).split('/')[0];
  return top !== undefined && top in ALLOWED ? (top as Layer) : undefined;
}

const layers = Object.keys(ALLOWED) as Layer[];

describe('given the layers of src/', () => {
  it.each(layers)('when the files of %s are read, then each imports only what its layer may', (layer) => {
    const wrong: string[] = [];
    for (const file of filesUnder(join(SRC, layer))) {
      for (const imp of importsOf(file)) {
        const to = layerOf(imp.target);
        if (to === undefined || to === layer || imp.target === ERRORS) continue;
        const rule = ALLOWED[layer];
        if (rule.value.includes(to) || (imp.typeOnly && rule.types.includes(to))) continue;
        wrong.push(`${relative(SRC, file)} imports ${imp.typeOnly ? 'types of ' : ''}${relative(SRC, imp.target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('when src/comfy is read, then it uses no Node API, clock or timer (it runs inside k6 too)', () => {
    const wrong: string[] = [];
    for (const file of filesUnder(join(SRC, 'comfy'))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./.test(code)) wrong.push(`${relative(SRC, file)}: a Node API`);
      if (/Date\.now|performance\.now|new Date\(|setTimeout|setInterval/.test(code)) wrong.push(`${relative(SRC, file)}: a clock or timer`);
    }
    expect(wrong).toEqual([]);
  });

  it('when the rule table is applied to a known bad import, then it is caught (the test can fail)', () => {
    const rule = ALLOWED.harness;
    expect(rule.value.includes('session') || rule.types.includes('session')).toBe(false);
    expect(importsOf(join(SRC, 'session', 'measure.ts')).some((i) => layerOf(i.target) === 'harness')).toBe(true);
  });
});
