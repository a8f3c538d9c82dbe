/**
 * `comfyload run`: the options as a plan, measured by the session (src/session/measure.ts),
 * which starts the built-in emulator when no --url is given and writes the results folder
 * `results/<gpu>/<model-config>/<UTC time>-<name>/`. Exit codes: 0 done; 1 done but the error
 * rate passed --max-error-rate; 3 target unreachable or not ComfyUI, or every socket to it lost
 * during the run (COMFYLOAD_ERR_WS_CLOSED); 130 stopped by a signal (partial results are valid and
 * marked `"partial": true`, in both cases).
 */
import type { RunPlan } from '../../session/plan.js';
import type { CliIO } from '../io.js';
import { measureFromCli, type OutputFlags } from '../measure-command.js';

export async function runCommand(plan: RunPlan, io: CliIO, flags: OutputFlags): Promise<number> {
  return measureFromCli(plan, io, flags);
}
