/**
 * The emulator options that let it play an upgrade, shared by `comfyload sim` (`--slowdown`,
 * `--gpu-profile`, `--comfyui-version`) and `comfyload run` (`--sim-slowdown`, …): a slower GPU,
 * a GPU of the user's own description, another ComfyUI version in /system_stats, so `compare`
 * has a slowdown to find and a fingerprint change to show.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { gpuProfileFromJson, type GpuProfile } from '../sim/profiles.js';
import type { OptionSpec, ParseContext } from './option-table.js';
import { expected, finiteNumber, path, text } from './value-parsers.js';

/** A GPU profile file → the profile, its fields checked (see `gpuProfileFromJson`). */
export function gpuProfileFile(raw: unknown, ctx: ParseContext): GpuProfile {
  const file = path('my-gpu.json')(raw, ctx);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return expected(ctx, 'a readable JSON file with a GPU profile', raw, 'my-gpu.json', {
      hint: `${(err as Error).message}; write e.g. {"base": "rtx-4090", "name": "My GPU", "relativeSpeed": 0.9}.`,
    });
  }
  const profile = gpuProfileFromJson(json, basename(file, extname(file)));
  if (typeof profile === 'string') {
    return expected(ctx, `a GPU profile file with ${profile}`, raw, 'my-gpu.json', {
      hint: 'write e.g. {"base": "rtx-4090", "name": "My GPU", "relativeSpeed": 0.9} (fields as in fixtures/sim/gpus.json).',
    });
  }
  return profile;
}

export interface SimUpgradeValues {
  slowdown: number;
  gpuProfile: GpuProfile | undefined;
  comfyuiVersion: string;
}

/** The three specs, with descriptions for either table. */
export function simUpgradeSpecs(group: string, prefix: '' | 'run'): { [K in keyof SimUpgradeValues]-?: OptionSpec<NonNullable<SimUpgradeValues[K]>> } {
  const gpuFlag = prefix === '' ? '--gpu' : '--sim-gpu';
  return {
    slowdown: {
      kind: 'number',
      group,
      description:
        'Makes the simulated GPU this much slower at its compute (text encode, sampler setup, every step, VAE decode/encode, upscale; model loads and saves unchanged): 1.05 plays an upgrade that cost 5%.',
      default: 1,
      example: '1.05',
      parse: finiteNumber('a finite number > 0 (1 = as fast as the profile)', '1.05', { exclusiveMin: 0 }),
    },
    gpuProfile: {
      kind: 'path',
      group,
      description: `GPU profile from a JSON file, replacing ${gpuFlag}: the fields of a fixtures/sim/gpus.json entry, or \`"base": "<profile>"\` plus the fields to change.`,
      example: 'my-gpu.json',
      parse: gpuProfileFile,
    },
    comfyuiVersion: {
      kind: 'string',
      group,
      description:
        'ComfyUI version the emulator reports in /system_stats (its protocol stays 0.3.64): gives the fingerprint diff of `compare` a version change to show.',
      default: '0.3.64',
      example: '0.3.65',
      parse: text('a version such as 0.3.65', '0.3.65', /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,40}$/),
    },
  };
}
