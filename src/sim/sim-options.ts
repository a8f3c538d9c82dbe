/**
 * Options of the ComfyUI emulator, their defaults (declared once, here) and the ComfyUI-style
 * `argv` that `/system_stats` reports for them.
 */
import type { FaultSpec } from './faults.js';
import type { SimClock } from './clock.js';
import { CUSTOM_PACK_NAME, type SimCustomPack } from './nodes/registry-custom.js';
import { getGpuProfile, type GpuProfile } from './profiles.js';

export type SimProtocol = 'current' | 'legacy';
export type PreviewMethod = 'none' | 'auto' | 'latent2rgb' | 'taesd';
export type SimCacheMode = 'classic' | 'none' | { lru: number };

export interface SimOptions {
  /** Interface to listen on. Loopback unless told otherwise: the emulator has no auth.
   * @default '127.0.0.1' */
  host: string;
  /** TCP port; 0 picks a free ephemeral port (read it back from `SimHandle.port`).
   * @default 0 */
  port: number;
  /** GPU profile id from `fixtures/sim/gpus.json` (rtx-4090, l4, a100-80gb, h100, h200, or cpu for a server started with --cpu).
   * @default 'rtx-4090' */
  gpu: string;
  /** A whole GPU profile (e.g. read from a `--gpu-profile` file); replaces the `gpu` id's.
   * @default undefined */
  gpuProfile?: GpuProfile;
  /** Multiplies the GPU's compute (text encode, sampler setup, every step, VAE decode/encode,
   * upscale), to play an upgrade that made the server slower (1.05 = 5% slower). Model loads
   * and PNG saves are unchanged. Ground truth records the slowed times.
   * @default 1 */
  slowdown: number;
  /** Multiplies every simulated duration: 0.01 runs the cost model 100× faster. Ground truth
   * keeps both the unscaled and the scaled figures.
   * @default 1 */
  timeScale: number;
  /** Seed of the jitter RNG (step times, preview-temp prefixes).
   * @default 1 */
  seed: number;
  /** Relative standard deviation of the per-step jitter.
   * @default 0.02 */
  stepJitter: number;
  /** `current` = ComfyUI 0.3.64 plus §7 (UUID prompt ids, jobs API); `legacy` = a mid-2024
   * server (no execution_success, progress_state, timestamps, feature flags, /features).
   * @default 'current' */
  protocol: SimProtocol;
  /** `--preview-method`: previews are sent only when not `none`.
   * @default 'none' */
  previewMethod: PreviewMethod;
  /** `classic` (default ComfyUI: keeps the last prompt's outputs), `none` (`--cache-none`) or
   * `{lru: N}` (`--cache-lru N`).
   * @default 'classic' */
  cache: SimCacheMode;
  /** `--max-upload-size` in MB: the cap on every request body (413 beyond).
   * @default 100 */
  maxUploadSizeMb: number;
  /** Entries kept in `/history`.
   * @default 10000 */
  historyMax: number;
  /** Folder holding input/ output/ temp/; a fresh temp dir when not set (removed on close).
   * @default undefined */
  dataDir?: string;
  /** `--enable-cors-header`: disables the Origin check and adds CORS headers; a string sets the
   * allowed origin, `true` means `*`.
   * @default false */
  enableCorsHeader: boolean | string;
  /** Reported as `system.comfyui_version`.
   * @default '0.3.64' */
  comfyuiVersion: string;
  /** Extra flags appended to the generated argv (e.g. `['--lowvram']`). The generated part
   * always reflects the emulator's real settings.
   * @default [] */
  extraArgv: string[];
  /** Named faults to inject (src/sim/faults.ts lists them and what each does).
   * @default [] */
  faults: FaultSpec[];
  /** Custom node packs loaded besides the bench nodes (`custom_nodes.bench_nodes`): each class a
   * pass-through IMAGE node from `custom_nodes.<name>`, each pack one `/extensions` script.
   * @default [] */
  customPacks: SimCustomPack[];
  /** Write one NDJSON line per finished prompt of ground truth to this file.
   * @default undefined */
  groundTruthPath?: string;
  /** Prompts whose ground truth is kept in memory (`groundTruth.prompts`, the latest ones);
   * `Infinity` keeps every one (tests comparing a very long run). The file above has them all.
   * @default 10000 */
  groundTruthMax: number;
  /** Time source; tests pass a `ManualClock`.
   * @default new RealClock() */
  clock?: SimClock;
}

export const SIM_DEFAULTS: Readonly<Omit<SimOptions, 'dataDir' | 'groundTruthPath' | 'clock' | 'gpuProfile'>> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  gpu: 'rtx-4090',
  slowdown: 1,
  timeScale: 1,
  seed: 1,
  stepJitter: 0.02,
  protocol: 'current',
  previewMethod: 'none',
  cache: 'classic',
  maxUploadSizeMb: 100,
  historyMax: 10000,
  groundTruthMax: 10000,
  enableCorsHeader: false,
  comfyuiVersion: '0.3.64',
  extraArgv: [],
  faults: [],
  customPacks: [],
});

export type ResolvedSimOptions = SimOptions;

/** Merges with the defaults and rejects values the emulator cannot honour. */
export function resolveSimOptions(opts: Partial<SimOptions>): ResolvedSimOptions {
  const o: SimOptions = { ...SIM_DEFAULTS, extraArgv: [], faults: [], customPacks: [], ...stripUndefined(opts) };
  expect(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535, 'port', 'an integer 0..65535', o.port);
  expect(Number.isFinite(o.timeScale) && o.timeScale >= 0, 'timeScale', 'a finite number >= 0', o.timeScale);
  expect(Number.isFinite(o.seed), 'seed', 'a finite number', o.seed);
  expect(Number.isFinite(o.slowdown) && o.slowdown > 0, 'slowdown', 'a finite number > 0', o.slowdown);
  expect(o.protocol === 'current' || o.protocol === 'legacy', 'protocol', "'current' or 'legacy'", o.protocol);
  expect(['none', 'auto', 'latent2rgb', 'taesd'].includes(o.previewMethod), 'previewMethod', "'none', 'auto', 'latent2rgb' or 'taesd'", o.previewMethod);
  const c = o.cache;
  expect(
    c === 'classic' || c === 'none' || (typeof c === 'object' && c !== null && Number.isInteger(c.lru) && c.lru > 0),
    'cache',
    "'classic', 'none' or {lru: N > 0}",
    c,
  );
  expect(Number.isFinite(o.maxUploadSizeMb) && o.maxUploadSizeMb > 0, 'maxUploadSizeMb', 'a number > 0', o.maxUploadSizeMb);
  expect(Number.isInteger(o.historyMax) && o.historyMax > 0, 'historyMax', 'an integer > 0', o.historyMax);
  expect(
    (Number.isInteger(o.groundTruthMax) || o.groundTruthMax === Infinity) && o.groundTruthMax > 0,
    'groundTruthMax',
    'an integer > 0 or Infinity',
    o.groundTruthMax,
  );
  for (const pack of o.customPacks) {
    expect(CUSTOM_PACK_NAME.test(pack.name), 'customPacks[].name', 'a folder name of letters, digits, _ and -', pack.name);
    expect(pack.classes.length > 0 && pack.classes.every((c) => c.trim() !== ''), 'customPacks[].classes', 'a list of node class names', pack.classes);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function expect(ok: boolean, name: string, what: string, got: unknown): void {
  if (!ok) throw new TypeError(`Expected \`${name}\` to be ${what}, got \`${String(JSON.stringify(got))}\` (${typeof got})`);
}

/** The command line a real ComfyUI would have been started with to behave like these options. */
export function simArgv(o: ResolvedSimOptions, port: number, dataDir: string): string[] {
  const argv = ['main.py', ...((o.gpuProfile ?? getGpuProfile(o.gpu)).device === 'cpu' ? ['--cpu'] : []), '--listen', o.host, '--port', String(port)];
  if (o.cache === 'none') argv.push('--cache-none');
  else if (typeof o.cache === 'object') argv.push('--cache-lru', String(o.cache.lru));
  if (o.previewMethod !== 'none') argv.push('--preview-method', o.previewMethod);
  if (o.maxUploadSizeMb !== 100) argv.push('--max-upload-size', String(o.maxUploadSizeMb));
  if (o.enableCorsHeader !== false) {
    argv.push('--enable-cors-header');
    if (typeof o.enableCorsHeader === 'string') argv.push(o.enableCorsHeader);
  }
  argv.push('--input-directory', `${dataDir}/input`, '--output-directory', `${dataDir}/output`, '--temp-directory', `${dataDir}/temp`);
  return [...argv, ...o.extraArgv];
}
