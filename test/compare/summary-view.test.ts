/**
 * compare reads summary.json of schema 1 (levels keyed by index, environment strings) and of
 * schema 2 (levels an array, typed environment values) to the same view; the fingerprint diff
 * sorts changes into environment (what an upgrade changes) and workload (refused).
 */
import { describe, expect, it } from 'vitest';
import { comparableArgv, fingerprintDiff } from '../../src/compare/fingerprint-diff.js';
import { summaryView } from '../../src/compare/summary-view.js';

const level = (i: number, c: number) => ({
  level: i,
  concurrency: c,
  phase: 'measure',
  submitted: 20,
  ok: 20,
  notOk: 0,
  durationMs: 4000,
  throughput: { promptsPerSec: 5, imagesPerMin: 300, samplerStepsPerSec: 100 },
  metrics: { completionMs: { count: 20, mean: 180 } },
  vram: { peakUsedBytes: 3e9 },
});

const v1 = {
  schemaVersion: 1,
  name: 'a',
  settings: { mode: 'closed-loop', seedPolicy: 'random', promptsPerLevel: 20, warmupPrompts: 2 },
  levels: { '0': level(0, 1), '1': level(1, 2) },
  environment: { gpu: 'NVIDIA GeForce RTX 4090', gpuCount: '1', serverArgv: 'main.py --port 8188 --lowvram', steps: '20' },
};
const v2 = {
  ...v1,
  schemaVersion: 2,
  levels: [level(1, 2), level(0, 1)],
  environment: { gpu: 'NVIDIA GeForce RTX 4090', gpuCount: 1, serverArgv: ['main.py', '--port', '8188', '--lowvram'], steps: 20 },
};

describe('summaryView', () => {
  it('reads schema 1 and schema 2 to the same view', () => {
    const a = summaryView(v1, '/r/a');
    const b = summaryView(v2, '/r/a');
    expect({ ...b, schemaVersion: 1 }).toEqual(a);
    expect(a.levels.map((l) => l.concurrency)).toEqual([1, 2]);
    expect(a.levels[0]).toMatchObject({ promptsPerSec: 5, completionMeanMs: 180, vramPeakBytes: 3e9 });
  });

  it('refuses an unknown schema version with BAD_RESULTS', () => {
    expect(() => summaryView({ ...v1, schemaVersion: 9 }, '/r/x')).toThrow(/schemaVersion 9 is not one this comfyload reads/);
  });
});

describe('fingerprintDiff', () => {
  const view = (env: Record<string, string>, seedPolicy = 'random') => ({ ...summaryView(v1, '/r'), environment: env, seedPolicy });

  it('keeps version changes as environment, workflow changes as workload, and ignores run figures and ports', () => {
    const d = fingerprintDiff(
      [view({ comfyuiVersion: '0.3.64', workflowSha256: 'aa', reconnects: '0', serverArgv: 'main.py --port 1 --lowvram' })],
      [view({ comfyuiVersion: '0.3.65', workflowSha256: 'bb', reconnects: '3', serverArgv: 'main.py --port 2 --lowvram' })],
    );
    expect(d.environmentChanges).toEqual(['comfyuiVersion']);
    expect(d.workloadChanges).toEqual(['workflowSha256']);
    expect(d.rows.map((r) => r.key)).not.toContain('reconnects');
  });

  it('flags a side whose runs disagree, and a seed-policy change as a workload change', () => {
    const d = fingerprintDiff([view({ pytorchVersion: '2.7' }), view({ pytorchVersion: '2.8' })], [view({ pytorchVersion: '2.8' }, 'fixed')]);
    expect(d.mixedKeys).toEqual(['pytorchVersion']);
    expect(d.rows.find((r) => r.key === 'pytorchVersion')?.baseline).toBe('2.7 (1 run) | 2.8 (1 run)');
    expect(d.workloadChanges).toEqual(['settings.seedPolicy']);
  });

  it('masks where a server listens and keeps files, not its flags', () => {
    expect(comparableArgv('main.py --listen 127.0.0.1 --port 44125 --input-directory /tmp/x --lowvram')).toBe(
      'main.py --listen … --port … --input-directory … --lowvram',
    );
  });
});
