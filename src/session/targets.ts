/**
 * The targets of a session: the servers the plan names, or the built-in emulator started for it
 * (in a worker thread, so it never delays the harness's own event loop) and closed at the end.
 */
import { startEmbeddedEmulator, type EmbeddedEmulator } from '../sim/embedded-emulator.js';
import type { EmulatorSettings, RunPlan } from './plan.js';

export interface SessionTargets {
  /** The plan with its targets filled in. */
  plan: RunPlan;
  /** The emulator the session started, when the plan has no target. */
  emulator?: EmbeddedEmulator;
  close(): Promise<void>;
}

type Log = { write(s: string): unknown };

/** The emulator a plan without targets and without emulator settings (the API's default) gets. */
export const DEFAULT_EMULATOR: Readonly<EmulatorSettings> = { gpu: 'rtx-4090', timeScale: 1, seed: 1 };

/** Starts the emulator for a plan without targets (`timeScale` overrides the plan's, e.g. 0 for a check only). */
export async function startTargets(plan: RunPlan, log: Log, options: { timeScale?: number; purpose?: string } = {}): Promise<SessionTargets> {
  if (plan.targetKind !== 'emulator') return { plan, close: async () => undefined };
  const emu = plan.emulator ?? DEFAULT_EMULATOR;
  const faults = options.timeScale === undefined ? (emu.faults ?? []) : [];
  const timeScale = options.timeScale ?? emu.timeScale;
  const upgrade = {
    ...(emu.slowdown !== undefined ? { slowdown: emu.slowdown } : {}),
    ...(emu.gpuProfile !== undefined ? { gpuProfile: emu.gpuProfile } : {}),
    ...(emu.comfyuiVersion !== undefined ? { comfyuiVersion: emu.comfyuiVersion } : {}),
  };
  const emulator = await startEmbeddedEmulator({ gpu: emu.gpu, timeScale, seed: emu.seed, port: 0, faults, ...upgrade });
  const faultText = `${faults.length > 0 ? `, faults ${faults.map((f) => f.name).join(', ')}` : ''}${emu.slowdown !== undefined ? `, slowdown ${emu.slowdown}` : ''}${emu.comfyuiVersion !== undefined ? `, ComfyUI ${emu.comfyuiVersion}` : ''}`;
  const where = emulator.isolation === 'worker' ? 'in a worker thread' : 'in-process';
  log.write(
    options.purpose !== undefined
      ? `comfyload: no --url given: ${options.purpose}\n`
      : `comfyload: no --url given: running against the built-in ComfyUI emulator (gpu ${emu.gpu}, time-scale ${timeScale}${faultText}, ${where}) at ${emulator.url}\n`,
  );
  return { plan: { ...plan, targets: [{ url: emulator.url, headers: {} }] }, emulator, close: () => emulator.close() };
}
