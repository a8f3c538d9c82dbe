import { describe, expect, it } from 'vitest';

import { ComfyloadError } from '../../src/comfy/errors.js';
import { resolveOptions } from '../../src/cli/option-table.js';
import { SIM_OPTIONS, toSimStartOptions } from '../../src/cli/options-sim.js';
import { parseArgv } from '../../src/cli/parse-argv.js';
import { resolveSimOptions } from '../../src/sim/index.js';

function simOptions(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseArgv(['sim', ...argv], '0.0.0');
  if (parsed.kind !== 'command' || parsed.command !== 'sim') throw new Error('expected sim');
  return toSimStartOptions(resolveOptions(SIM_OPTIONS, { flags: parsed.flags, env, cwd: '/w' }));
}

describe('sim options → startSim settings', () => {
  it('maps defaults to SimOptions keys, which the emulator accepts', () => {
    const o = simOptions([]);
    expect(o).toEqual({
      host: '127.0.0.1',
      port: 8188,
      gpu: 'rtx-4090',
      slowdown: 1,
      comfyuiVersion: '0.3.64',
      timeScale: 1,
      seed: 1,
      protocol: 'current',
      previewMethod: 'none',
      cache: 'classic',
      maxUploadSizeMb: 100,
      faults: [],
      customPacks: [],
    });
    expect(() => resolveSimOptions(o)).not.toThrow();
  });

  it('maps every flag', () => {
    const o = simOptions([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--gpu',
      'h100',
      '--time-scale',
      '0.01',
      '--seed',
      '9',
      '--protocol',
      'legacy',
      '--preview-method',
      'taesd',
      '--cache-lru',
      '5',
      '--max-upload-size',
      '2.5',
      '--ground-truth',
      'gt.jsonl',
      '--fault',
      'ws-drop',
      '--fault',
      'slow-http:target=/prompt,ms=500,probability=0.5',
      '--custom-pack',
      'ComfyUI-Impact-Pack:ImpactSwitch, ImpactWildcardProcessor',
      '--custom-pack',
      'rgthree-comfy:Seed (rgthree)',
      '--slowdown',
      '1.05',
      '--comfyui-version',
      '0.3.65',
    ]);
    expect(o).toEqual({
      host: '0.0.0.0',
      port: 0,
      gpu: 'h100',
      slowdown: 1.05,
      comfyuiVersion: '0.3.65',
      timeScale: 0.01,
      seed: 9,
      protocol: 'legacy',
      previewMethod: 'taesd',
      cache: { lru: 5 },
      maxUploadSizeMb: 2.5,
      groundTruthPath: '/w/gt.jsonl',
      faults: [{ name: 'ws-drop' }, { name: 'slow-http', target: '/prompt', ms: 500, probability: 0.5 }],
      customPacks: [
        { name: 'ComfyUI-Impact-Pack', classes: ['ImpactSwitch', 'ImpactWildcardProcessor'] },
        { name: 'rgthree-comfy', classes: ['Seed (rgthree)'] },
      ],
    });
    expect(() => resolveSimOptions(o)).not.toThrow();
    expect(simOptions(['--cache-none']).cache).toBe('none');
  });

  it('takes several faults in one value, with the short key names', () => {
    expect(
      simOptions([
        '--fault',
        'ws-drop:every=50,http-500:rate=0.05,route=/prompt',
        '--fault',
        'restart:after=3',
        '--fault',
        'progress-storm:factor=100,node=BenchFakeSampler',
      ]).faults,
    ).toEqual([
      { name: 'ws-drop', every: 50 },
      { name: 'http-500', probability: 0.05, target: '/prompt' },
      { name: 'restart', afterPrompts: 3 },
      { name: 'progress-storm', factor: 100, target: 'BenchFakeSampler' },
    ]);
  });

  it('reads COMFYLOAD_SIM_* and lets flags win', () => {
    expect(simOptions(['--port', '1'], { COMFYLOAD_SIM_PORT: '2', COMFYLOAD_SIM_GPU: 'l4' })).toMatchObject({ port: 1, gpu: 'l4' });
  });

  it('reads several custom packs from COMFYLOAD_SIM_CUSTOM_PACK, separated by semicolons', () => {
    expect(simOptions([], { COMFYLOAD_SIM_CUSTOM_PACK: 'a:X,Y; b:Z' }).customPacks).toEqual([
      { name: 'a', classes: ['X', 'Y'] },
      { name: 'b', classes: ['Z'] },
    ]);
  });

  it.each([
    [['--port', '70000'], 'Expected `--port` to be a port from 0 to 65535, got `70000` (string)', 'e.g. --port 8188'],
    [['--gpu', 'rtx4090'], 'got `rtx4090`', 'e.g. --gpu rtx-4090'],
    [['--protocol', 'old'], 'one of `current`, `legacy`', '--protocol current'],
    [['--preview-method', 'fast'], '`--preview-method`', '--preview-method none'],
    [['--time-scale', '0'], 'a finite number > 0', '--time-scale 10'],
    [['--cache-lru', '0'], 'positive integer', '--cache-lru 10'],
    [['--cache-none', '--cache-lru', '2'], 'exclude each other', '--cache-lru N'],
    [['--fault', 'slow-http:ms=fast'], '`ms` must be a number >= 0', 'ws-drop:every=50,http-500:rate=0.05'],
    [['--fault', 'ws-dorp'], 'unknown fault `ws-dorp`', '--fault ws-drop:every=50'],
    [['--fault', 'ws-drop:evry=5'], 'unknown key `evry`', '--fault ws-drop:every=50'],
    [['--fault', 'oom:rate=2'], '`rate` must be a number from 0 to 1', '--fault ws-drop'],
    [['--fault', 'rate=0.5'], '`rate=0.5` comes before any fault name', '--fault ws-drop'],
    [['--max-upload-size', '-1'], '`--max-upload-size`', '--max-upload-size 100'],
    [['--custom-pack', 'ImpactSwitch'], 'a custom node pack `name:Class1,Class2`', '--custom-pack ComfyUI-Impact-Pack:ImpactSwitch'],
    [['--custom-pack', 'my.pack:X'], 'got `my.pack:X`', '--custom-pack ComfyUI-Impact-Pack:ImpactSwitch'],
    [['--custom-pack', 'pack:'], 'got `pack:`', '--custom-pack ComfyUI-Impact-Pack:ImpactSwitch'],
    [['--prt', '1'], 'Unknown flag `--prt` for `comfyload sim`', 'did you mean `--port`?'],
  ])('%j → BAD_OPTION', (argv, message, fix) => {
    let error: unknown;
    try {
      simOptions(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ComfyloadError);
    const e = error as ComfyloadError;
    expect(e.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(message);
    expect(e.hint).toContain(fix);
  });
});
