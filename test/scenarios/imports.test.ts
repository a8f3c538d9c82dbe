/**
 * The layer rule of scenarios/ (DESIGN "Layers"): k6 entry files import k6's modules, each other,
 * the protocol core (src/comfy) and, of src/metrics, only the pure modules that define the
 * metrics both engines share — nothing Node-only can reach a bundle that runs inside k6.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_METRICS = ['metric-names.ts', 'slo.ts', 'k6-wire.ts', 'prompt-metrics.ts', 'result-types.ts'].map((f) => join(ROOT, 'src', 'metrics', f));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Value imports (type-only ones are erased by esbuild) of a file: [specifier, resolved path or the bare name]. */
function valueImports(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*import\s+(type\s+)?[\s\S]*?from\s+['"]([^'"]+)['"]/gm)) {
    if (m[1] !== undefined) continue;
    const spec = m[2]!;
    out.push(spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : spec);
  }
  return out;
}

describe('given the k6 scenarios and everything they import', () => {
  const seen = new Set<string>();
  const queue = tsFiles(join(ROOT, 'scenarios'));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const dep of valueImports(file)) if (dep.startsWith('/')) queue.push(dep);
  }
  const files = [...seen].sort();

  it.each(files.map((f) => relative(ROOT, f)))('when %s is read, then it imports only k6, scenarios/, src/comfy and the shared pure metric modules', (rel) => {
    const file = join(ROOT, rel);
    for (const dep of valueImports(file)) {
      const ok =
        dep === 'k6' ||
        dep.startsWith('k6/') ||
        dep.startsWith(join(ROOT, 'scenarios') + '/') ||
        dep.startsWith(join(ROOT, 'src', 'comfy') + '/') ||
        SHARED_METRICS.includes(dep);
      expect(ok, `${rel} imports ${dep.startsWith('/') ? relative(ROOT, dep) : dep}`).toBe(true);
    }
  });

  it.each(SHARED_METRICS.map((f) => relative(ROOT, f)))('when the shared module %s is read, then it uses no Node API, clock or timer', (rel) => {
    const code = readFileSync(join(ROOT, rel), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./);
    expect(code).not.toMatch(/Date\.now|performance\.now|new Date\(|setTimeout|setInterval/);
  });

  it('then the walk reached the protocol core and the shared metric modules (it read real imports)', () => {
    expect(files.some((f) => f.endsWith(join('src', 'comfy', 'prompt-tracker.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('src', 'metrics', 'k6-wire.ts')))).toBe(true);
  });
});
