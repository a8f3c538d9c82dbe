/**
 * `comfyload plan <results-dir> --rate 600/min --slo 'completionMs.p95<30000'`: how many GPUs of
 * the measured kind meet the SLO at that rate (or, with --gpus, what a given fleet would see),
 * predicted from one run's measured service times by a fleet simulation (src/planner). Prints the
 * table and each verdict on stdout (--json: plan.json instead), progress on stderr, and writes
 * plan.json and plan.html. Exit codes: 0 every question answered with a PASS, 1 a verdict that is
 * not (no count up to --max-gpus, FAIL, UNDECIDED, too few samples), 2 bad usage or a question no
 * fleet size answers.
 */
import { relative, resolve } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { formatMs, formatRate, percent } from '../../planner/plan-format.js';
import type { FleetPrediction } from '../../planner/plan-types.js';
import { formatPlan } from '../../reporters/plan-console.js';
import { planFromResults } from '../../session/plan-files.js';
import type { CliIO } from '../io.js';
import type { Resolved } from '../../session/plan-values.js';
import { planRates, type PlanOptionValues } from '../options-plan.js';

export async function planCommand(dir: string | undefined, resolved: Resolved<PlanOptionValues>, io: CliIO): Promise<number> {
  const v = resolved.values;
  if (dir === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing the results folder: `comfyload plan <results-dir> --rate <rate> --slo <slo>`', {
      hint: "e.g. comfyload plan results/nvidia-geforce-rtx-4090/<model-config>/<UTC time>-<name> --rate 600/min --slo 'completionMs.p95<30000'",
    });
  }
  if (v.rate === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'Missing `--rate`: plan needs the arrival rate to plan for', {
      hint: 'e.g. --rate 600/min (or a ramp: --rate 300/min..1200/min).',
    });
  }
  if (v.slo === undefined && v.gpus === undefined) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_OPTION',
      'Missing `--slo` or `--gpus`: plan answers "how many GPUs meet this SLO" (--slo) or "what would N GPUs see" (--gpus)',
      {
        hint: "e.g. --slo 'completionMs.p95<30000', or --gpus 4.",
      },
    );
  }
  const stderr = v.quiet ? { write: (): boolean => true } : io.stderr;
  const written = planFromResults({
    dir: resolve(io.cwd, dir),
    question: {
      ratesPerSec: planRates(v.rate, v.rateSteps),
      slo: v.slo,
      gpus: v.gpus,
      maxGpus: v.maxGpus,
      dispatch: v.dispatch,
      arrival: v.arrival,
      burstiness: v.burstiness,
      replications: v.replications,
      ...(v.arrivals !== undefined ? { arrivals: v.arrivals } : {}),
      confidence: v.confidence,
      seed: v.seed,
    },
    ...(v.target !== undefined ? { target: v.target } : {}),
    ...(v.out !== undefined ? { outDir: resolve(io.cwd, v.out) } : {}),
    onPoint: (point) => stderr.write(`${progressLine(point)}\n`),
  });
  if (v.json) io.stdout.write(`${JSON.stringify(written.plan)}\n`);
  else io.stdout.write(`${formatPlan(written.plan).join('\n')}\n`);
  const shown = (p: string): string => relative(io.cwd, p) || p;
  stderr.write(`comfyload: wrote ${shown(written.jsonPath)} and ${shown(written.htmlPath)}\n`);
  return written.plan.verdicts.every((line) => line.verdict === 'pass') ? 0 : 1;
}

function progressLine(p: FleetPrediction): string {
  const head = `plan: ${p.gpus} GPU${p.gpus === 1 ? '' : 's'} at ${formatRate(p.ratePerSec)}`;
  if (p.saturated) return `${head}: saturated (utilisation ${percent(p.utilisation.value)})`;
  const c = p.metrics.completionMs?.percentiles['p95'];
  return `${head}: utilisation ${percent(p.utilisation.value)}, completion p95 ${c === undefined ? '–' : formatMs(c.value)}${p.verdict !== undefined ? ` ${p.verdict.toUpperCase()}` : ''}`;
}
