/**
 * The two test nodes of the recorded 0.3.64 server (`custom_nodes/bench_nodes`), copied field for
 * field from `test/traces/real-object_info-*.json` so the emulator's `/object_info` matches them.
 */
import type { NodeRegistry } from './types.js';

/** 0xffffffffffffffff as JSON.parse reads the real server's value: a JS number rounds it to 2^64. */
const SEED_MAX = 2 ** 64;

export const BENCH_NODES: NodeRegistry = {
  BenchFakeSampler: {
    exec: 'fake_sampler',
    info: () => ({
      input: {
        required: {
          steps: ['INT', { default: 20, min: 1, max: 10000 }],
          step_ms: ['INT', { default: 50, min: 0, max: 600000, tooltip: 'milliseconds slept per step' }],
          seed: ['INT', { default: 0, min: 0, max: SEED_MAX }],
          vram_mb: ['INT', { default: 0, min: 0, max: 1048576, tooltip: 'MB of torch memory held while sampling' }],
        },
        optional: {
          size: ['INT', { default: 64, min: 8, max: 4096, step: 8 }],
          batch_size: ['INT', { default: 1, min: 1, max: 64 }],
          preview_every: ['INT', { default: 0, min: 0, max: 10000, tooltip: 'send a JPEG preview every N steps (0 = never)' }],
        },
      },
      input_order: { required: ['steps', 'step_ms', 'seed', 'vram_mb'], optional: ['size', 'batch_size', 'preview_every'] },
      output: ['IMAGE'],
      output_is_list: [false],
      output_name: ['image'],
      name: 'BenchFakeSampler',
      display_name: 'Bench Fake Sampler',
      description: 'Sleeps steps x step_ms with real progress events; outputs a small seed-dependent image.',
      python_module: 'custom_nodes.bench_nodes',
      category: 'benchmark',
      output_node: false,
    }),
  },
  // IS_CHANGED returns a fresh value every call upstream, so the node is never served from cache.
  BenchFail: {
    exec: 'fail',
    neverCached: true,
    info: () => ({
      input: {
        required: {
          message: ['STRING', { default: 'BenchFail: deliberate failure' }],
          delay_ms: ['INT', { default: 0, min: 0, max: 600000 }],
        },
        optional: { image: ['IMAGE'] },
      },
      input_order: { required: ['message', 'delay_ms'], optional: ['image'] },
      output: [],
      output_is_list: [],
      output_name: [],
      name: 'BenchFail',
      display_name: 'Bench Fail (raise)',
      description: 'Raises RuntimeError(message) after delay_ms, producing an execution_error.',
      python_module: 'custom_nodes.bench_nodes',
      category: 'benchmark',
      output_node: true,
    }),
  },
};
