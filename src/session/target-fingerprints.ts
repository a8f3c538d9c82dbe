/**
 * Every target of a session fingerprinted: its /system_stats (from the engine's preflight) and
 * its inventory — target 0 reuses the /object_info the workflow preflight fetched (the slowest
 * call a server answers), the others are read once here — plus the built-in emulator's settings
 * and faults; a mix fingerprinted as the mix it is. Warns about what could not be read, and about servers running on the CPU.
 */
import type { ObjectInfo, SystemStats } from '../comfy/http-types.js';
import { ComfyHttp } from '../harness/comfy-http.js';
import { buildFingerprint, type Fingerprint } from '../harness/fingerprint.js';
import { buildMixFingerprint } from '../harness/mix-fingerprint.js';
import { inventoryWarnings, readServerInventory } from '../harness/server-inventory.js';
import { formatFault } from '../sim/faults.js';
import { packageInfo } from './package-info.js';
import type { RunPlan } from './plan.js';
import { DEFAULT_EMULATOR } from './targets.js';

export async function fingerprintTargets(
  plan: RunPlan,
  stats: readonly SystemStats[],
  objectInfo: ObjectInfo,
  warn: (message: string) => void,
): Promise<{ fingerprint: Fingerprint; perWorkflow: Fingerprint[] }> {
  const labelOf = (i: number): string => (plan.targetKind === 'emulator' ? 'emulator' : (plan.targets[i]?.url ?? ''));
  const readings = await Promise.all(
    plan.targets.map(async (t, i) => {
      const http = new ComfyHttp(t);
      const inventory = await readServerInventory(http, i === 0 ? objectInfo : await http.objectInfo());
      return { stats: stats[i] as SystemStats, label: labelOf(i), inventory };
    }),
  );
  for (const r of readings) for (const warning of inventoryWarnings(r.inventory, r.label)) warn(warning);
  const emu = plan.targetKind === 'emulator' ? (plan.emulator ?? DEFAULT_EMULATOR) : undefined;
  const server = {
    targets: readings,
    harnessVersion: packageInfo().version,
    labels: plan.labels,
    ...(emu !== undefined ? { emulator: { gpu: emu.gpu, timeScale: emu.timeScale, faults: (plan.emulator?.faults ?? []).map(formatFault) } } : {}),
  };
  // A mix is fingerprinted as the mix it is, with each workflow's own beside it (per-workflow figures, swaps).
  const mix = plan.mix;
  const { fingerprint, perWorkflow } =
    mix === undefined
      ? { fingerprint: buildFingerprint({ ...server, workflow: plan.workflow, workflowPath: plan.workflowPath }), perWorkflow: [] }
      : buildMixFingerprint(
          server,
          mix.workflows.map((w, i) => ({ name: w.name, path: w.path, workflow: w.workflow, weight: mix.weights[i] ?? 0 })),
        );
  for (const t of fingerprint.targets.filter((x) => x.cpu)) {
    const who = plan.targets.length > 1 ? `target ${t.index} (${t.label})` : t.label === 'emulator' ? 'the emulator' : t.label;
    warn(
      `${who} runs on the CPU (ComfyUI --cpu): /system_stats reports the machine's RAM as its device memory, so vram.csv labels those columns system-ram and no VRAM drift verdict is given (machine-wide RAM is no measure of the server leaking)`,
    );
  }
  return { fingerprint, perWorkflow };
}
