import { describe, expect, it } from 'vitest';

import { nearest } from '../../src/cli/nearest.js';
import { camelCase, kebabCase, optionDefs, resolveOptions } from '../../src/cli/option-table.js';
import { RUN_OPTIONS } from '../../src/cli/options-run.js';
import { SIM_OPTIONS } from '../../src/cli/options-sim.js';
import { positionToLineColumn } from '../../src/comfy/json-position.js';
import { duration } from '../../src/cli/value-parsers.js';

const tables = { run: optionDefs(RUN_OPTIONS), sim: optionDefs(SIM_OPTIONS) };

describe('options tables', () => {
  it('every default parses (defaults go through the same validation)', () => {
    expect(() => resolveOptions(RUN_OPTIONS, { flags: {}, env: {}, cwd: '/w' })).not.toThrow();
    expect(() => resolveOptions(SIM_OPTIONS, { flags: {}, env: {}, cwd: '/w' })).not.toThrow();
  });

  it.each(Object.entries(tables))('%s: flag, config key and env var are derived from one key', (name, defs) => {
    for (const def of defs) {
      expect(def.flag).toBe(`--${kebabCase(def.key)}`);
      expect(camelCase(def.flag.slice(2))).toBe(def.key); // yargs' camel-case expansion finds the key again
      if (def.configKey !== null) expect(def.configKey).toBe(def.key);
      expect(def.envVar).toMatch(/^COMFYLOAD_[A-Z0-9_]+$/);
      expect(def.example).not.toBe('');
      if (name === 'sim' && def.key !== 'verbose') expect(def.envVar).toMatch(/^COMFYLOAD_SIM_/);
    }
  });

  it('run: --sim-gpu and sim --gpu share COMFYLOAD_SIM_GPU (the same setting)', () => {
    expect(RUN_OPTIONS.simGpu.envVar).toBe(SIM_OPTIONS.gpu.envVar);
    expect(RUN_OPTIONS.simTimeScale.envVar).toBe(SIM_OPTIONS.timeScale.envVar);
    expect(RUN_OPTIONS.simFault.envVar).toBe(SIM_OPTIONS.fault.envVar);
    expect(RUN_OPTIONS.config.configKey).toBeNull();
  });

  it('resolves sim defaults to the documented values', () => {
    const { values } = resolveOptions(SIM_OPTIONS, { flags: {}, env: {}, cwd: '/w' });
    expect(values).toMatchObject({
      host: '127.0.0.1',
      port: 8188,
      gpu: 'rtx-4090',
      timeScale: 1,
      seed: 1,
      protocol: 'current',
      previewMethod: 'none',
      cacheNone: false,
      maxUploadSize: 100,
    });
    expect(values.cacheLru).toBeUndefined();
  });
});

describe('value parsers', () => {
  const ctx = { name: '--d', source: 'flag' as const, baseDir: '/', example: (v: string) => `--d ${v}` };
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
  ])('duration %s = %d ms', (text, ms) => {
    expect(duration('5m')(text, ctx)).toBe(ms);
  });
  it.each(['0s', '5', 'm', '5 m', '-1s', '5d', ''])('duration %j is refused', (text) => {
    expect(() => duration('5m')(text, ctx)).toThrow(/Expected `--d` to be a duration/);
  });

  it('nearest finds typos and ignores unrelated names', () => {
    expect(nearest('--concurency', ['--concurrency', '--config'])).toEqual(['--concurrency']);
    expect(nearest('promts', ['prompts', 'warmup'])).toEqual(['prompts']);
    expect(nearest('banana', ['prompts', 'warmup'])).toEqual([]);
  });

  it('positionToLineColumn counts lines and columns from 1', () => {
    expect(positionToLineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(positionToLineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(positionToLineColumn('ab\n', 99)).toEqual({ line: 2, column: 1 });
  });
});
