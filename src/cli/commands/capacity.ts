/**
 * `comfyload capacity --slo 'completionMs.p95<30000'`: finds the highest arrival rate that meets
 * every SLO (harness/capacity-run.ts), measured by the same session as `run` (preflight, the
 * results folder, VRAM, report.html), plus `trials.csv` (one row per trial), `capacity.json`
 * (the result) and `queue.csv`. Prints the max rate, goodput, knee and the GPU time of the search
 * against an 8-level grid sweep; with the built-in emulator, also the emulator's true service
 * rate. Exit codes: 0 done (whatever rate it found), 1 no rate met the SLOs, 2 bad usage or
 * workflow (nothing sent), 3 target unreachable, 130 stopped.
 */
import type { RunPlan } from '../../session/plan.js';
import type { CliIO } from '../io.js';
import { measureFromCli, type OutputFlags } from '../measure-command.js';

export async function capacityCommand(plan: RunPlan, io: CliIO, flags: OutputFlags): Promise<number> {
  return measureFromCli(plan, io, flags);
}
