/** The protocol core is bundled into k6 scenarios: no Node APIs, no clocks, no timers (DESIGN "Layers"). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'comfy');
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));

describe('given the files of src/comfy', () => {
  it.each(files)('when %s is read, then it uses no Node API, clock, timer or import from outside src/comfy', (file) => {
    const code = readFileSync(join(SRC, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/from\s+['"]node:|require\(|\bBuffer\b|\bprocess\./);
    expect(code).not.toMatch(/Date\.now|performance\.now|new Date\(|setTimeout|setInterval/);
    expect(code).not.toMatch(/from\s+['"]\.\.\//);
  });
});
