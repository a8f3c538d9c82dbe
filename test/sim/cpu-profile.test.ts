/**
 * The emulator's `cpu` profile answers /system_stats as ComfyUI started with --cpu does
 * (test/traces/real-system_stats.json): one `cpu` device whose total and free, and torch's, are
 * the machine's RAM figures, and `--cpu` in argv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import real from '../traces/real-system_stats.json' with { type: 'json' };

describe('emulator profile cpu', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ gpu: 'cpu', timeScale: 0 });
  });
  afterAll(() => sim?.close());

  it('reports RAM as the one cpu device, in the real server shape', async () => {
    const stats = (await (await fetch(`${sim.url}/system_stats`)).json()) as typeof real;
    expect(Object.keys(stats.devices[0]!).sort()).toEqual(Object.keys(real.devices[0]!).sort());
    const [device] = stats.devices;
    expect(stats.devices).toHaveLength(1);
    expect(device).toMatchObject({ name: 'cpu', type: 'cpu', index: null });
    expect(device!.vram_total).toBe(stats.system.ram_total);
    expect(device!.torch_vram_total).toBe(stats.system.ram_total);
    expect(device!.vram_free).toBe(stats.system.ram_free);
    expect(device!.torch_vram_free).toBe(stats.system.ram_free);
    expect(stats.system.argv.slice(0, 2)).toEqual(['main.py', '--cpu']);
  });
});
