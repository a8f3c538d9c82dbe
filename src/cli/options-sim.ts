/**
 * The options of `comfyload sim` (the ComfyUI emulator as a standalone server). Environment
 * variables are COMFYLOAD_SIM_*, so COMFYLOAD_SIM_GPU means the same GPU for `sim --gpu` and
 * `run --sim-gpu`.
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { Resolved } from '../session/plan-values.js';
import { defineOptions, type ParseContext } from './option-table.js';
import type { FaultSpec } from '../sim/faults.js';
import { FAULT_SYNTAX, parseFault } from './fault-values.js';
import type { SimOptions } from '../sim/sim-options.js';
import { CUSTOM_PACK_NAME, type SimCustomPack } from '../sim/nodes/registry-custom.js';
import { gpuProfile } from './options-run.js';
import { boolean, expected, finiteNumber, integer, oneOf, path, positiveInteger, repeatable, text } from './value-parsers.js';
import { simUpgradeSpecs, type SimUpgradeValues } from './sim-upgrade-values.js';

export const SIM_PROTOCOLS = ['current', 'legacy'] as const;
export const PREVIEW_METHODS = ['none', 'auto', 'latent2rgb', 'taesd'] as const;

export interface SimOptionValues extends SimUpgradeValues {
  host: string;
  port: number;
  gpu: string;
  timeScale: number;
  seed: number;
  protocol: (typeof SIM_PROTOCOLS)[number];
  previewMethod: (typeof PREVIEW_METHODS)[number];
  cacheNone: boolean;
  cacheLru: number | undefined;
  maxUploadSize: number;
  groundTruth: string | undefined;
  fault: FaultSpec[] | undefined;
  customPack: SimCustomPack[] | undefined;
  verbose: boolean;
}

export const SIM_OPTIONS = defineOptions<SimOptionValues>('COMFYLOAD_SIM_', {
  host: {
    kind: 'string',
    group: 'Server',
    description: 'Interface to listen on; 0.0.0.0 exposes the emulator to the network.',
    default: '127.0.0.1',
    example: '127.0.0.1',
    parse: text('a host name or IP address', '127.0.0.1', /^[A-Za-z0-9.:[\]-]+$/),
  },
  port: {
    kind: 'integer',
    group: 'Server',
    description: "TCP port (ComfyUI's own default); 0 picks a free one.",
    default: 8188,
    example: '8188',
    parse: integer('a port from 0 to 65535', 0, '8188', 65_535),
  },
  protocol: {
    kind: 'enum',
    choices: SIM_PROTOCOLS,
    group: 'Server',
    description: 'Protocol generation to emulate: `current` ComfyUI, or `legacy` (servers before 2025-04-09, e.g. their older /prompt error shape).',
    default: 'current',
    example: 'legacy',
    parse: oneOf(SIM_PROTOCOLS),
  },
  maxUploadSize: {
    kind: 'number',
    group: 'Server',
    description: "Largest accepted upload in MB, like ComfyUI's --max-upload-size.",
    default: 100,
    example: '100',
    parse: finiteNumber('a number of MB > 0', '100', { exclusiveMin: 0 }),
  },
  gpu: {
    kind: 'string',
    group: 'Simulation',
    description: 'GPU profile to simulate (speed, VRAM).',
    default: 'rtx-4090',
    example: 'rtx-4090',
    parse: gpuProfile,
  },
  ...simUpgradeSpecs('Simulation', ''),
  timeScale: {
    kind: 'number',
    group: 'Simulation',
    description:
      'Multiplies every simulated duration: 0.1 runs the cost model ten times faster, 2 twice slower. Ground truth keeps both the unscaled and the scaled figures.',
    default: 1,
    example: '0.1',
    parse: finiteNumber('a finite number > 0', '10', { exclusiveMin: 0 }),
  },
  seed: {
    kind: 'integer',
    group: 'Simulation',
    description: 'Seed of the simulated timing noise; the same seed gives the same timings.',
    default: 1,
    example: '1',
    parse: integer('an integer from 0 to 2^53-1', 0, '1'),
  },
  previewMethod: {
    kind: 'enum',
    choices: PREVIEW_METHODS,
    group: 'Simulation',
    description: "Preview images sent during sampling, like ComfyUI's --preview-method.",
    default: 'none',
    example: 'latent2rgb',
    parse: oneOf(PREVIEW_METHODS),
  },
  cacheNone: {
    kind: 'boolean',
    group: 'Simulation',
    description: "Disable the node output cache, like ComfyUI's --cache-none.",
    default: false,
    example: 'true',
    parse: boolean(),
  },
  cacheLru: {
    kind: 'integer',
    group: 'Simulation',
    description: "Keep up to N node results in an LRU cache, like ComfyUI's --cache-lru (excludes --cache-none).",
    defaultText: 'classic cache',
    example: '10',
    parse: positiveInteger('10'),
  },
  groundTruth: {
    kind: 'path',
    group: 'Simulation',
    description: "Write the emulator's true timings (JSON lines) to this file, to check a harness against.",
    example: 'ground-truth.jsonl',
    parse: path('ground-truth.jsonl'),
  },
  fault: {
    kind: 'repeatable',
    repeatable: true,
    group: 'Simulation',
    description: `Faults to inject, combinable: ${FAULT_SYNTAX}, e.g. \`ws-drop:every=50,http-500:rate=0.05,route=/prompt\`. The README lists what each does.`,
    example: 'ws-drop',
    parse: (raw, ctx) => repeatable(parseFault)(raw, ctx).flat(),
  },
  customPack: {
    kind: 'repeatable',
    repeatable: true,
    envSeparator: ';',
    group: 'Simulation',
    description:
      'A custom node pack to load besides the bench nodes, `name:Class1,Class2` (repeatable): its classes are pass-through IMAGE nodes from `custom_nodes.<name>`, and `/extensions` lists one script of it. Several in COMFYLOAD_SIM_CUSTOM_PACK are separated by `;`.',
    example: 'ComfyUI-Impact-Pack:ImpactSwitch,ImpactWildcardProcessor',
    parse: repeatable(parseCustomPack),
  },
  verbose: {
    kind: 'boolean',
    env: 'COMFYLOAD_VERBOSE',
    group: 'Output',
    description: 'Stack traces with errors (also COMFYLOAD_DEBUG=1).',
    default: false,
    example: 'true',
    parse: boolean(),
  },
});

/** The settings `startSim` (src/sim) takes, as the sim command derives them from its options. */
export type SimStartOptions = Pick<
  SimOptions,
  | 'host'
  | 'port'
  | 'gpu'
  | 'gpuProfile'
  | 'slowdown'
  | 'comfyuiVersion'
  | 'timeScale'
  | 'seed'
  | 'protocol'
  | 'previewMethod'
  | 'cache'
  | 'maxUploadSizeMb'
  | 'groundTruthPath'
  | 'faults'
  | 'customPacks'
>;

/** `name:Class1,Class2` → a custom pack. */
function parseCustomPack(raw: unknown, ctx: ParseContext): SimCustomPack {
  const fix = 'ComfyUI-Impact-Pack:ImpactSwitch,ImpactWildcardProcessor';
  const what = 'a custom node pack `name:Class1,Class2` (name of letters, digits, _ and -)';
  if (typeof raw !== 'string') return expected(ctx, what, raw, fix);
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim();
  const classes = raw
    .slice(colon + 1)
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (colon < 0 || !CUSTOM_PACK_NAME.test(name) || classes.length === 0) return expected(ctx, what, raw, fix);
  return { name, classes };
}

/** Map resolved sim options to startSim's settings, checking the rules between options. */
export function toSimStartOptions(resolved: Resolved<SimOptionValues>): SimStartOptions {
  const { values: v, names } = resolved;
  if (v.cacheNone && v.cacheLru !== undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `\`${names.cacheNone}\` and \`${names.cacheLru}\` exclude each other`, {
      hint: 'choose no cache (--cache-none) or an LRU cache of N entries (--cache-lru N).',
    });
  }
  return {
    host: v.host,
    port: v.port,
    gpu: v.gpuProfile?.id ?? v.gpu,
    ...(v.gpuProfile !== undefined ? { gpuProfile: v.gpuProfile } : {}),
    slowdown: v.slowdown,
    comfyuiVersion: v.comfyuiVersion,
    timeScale: v.timeScale,
    seed: v.seed,
    protocol: v.protocol,
    previewMethod: v.previewMethod,
    cache: v.cacheNone ? 'none' : v.cacheLru !== undefined ? { lru: v.cacheLru } : 'classic',
    maxUploadSizeMb: v.maxUploadSize,
    ...(v.groundTruth !== undefined ? { groundTruthPath: v.groundTruth } : {}),
    faults: v.fault ?? [],
    customPacks: v.customPack ?? [],
  };
}
