/**
 * `comfyload compare BASELINE CANDIDATE` (or `--baseline a b c --candidate d e f`): the verdict,
 * what changed and the table on stderr, compare.json / compare.md / compare.html (and --junit)
 * written; exit 1 only when a gate's regression is significant, 2 when the runs cannot be
 * compared. `comfyload compare results/` (one folder): the GPU × model matrix instead.
 * The logic lives in src/compare/; this is the shell.
 */
import { relative } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';
import { runCompare, runMatrix } from '../../compare/compare-session.js';
import { renderCompareConsole } from '../../reporters/compare/compare-console.js';
import { renderMatrixConsole } from '../../reporters/compare/matrix-render.js';
import type { CliIO } from '../io.js';
import type { Resolved } from '../../session/plan-values.js';
import type { CompareOptionValues } from '../options-compare.js';

export function compareCommand(resolved: Resolved<CompareOptionValues>, args: readonly string[], io: CliIO): number {
  const v = resolved.values;
  const show = (p: string): string => relative(io.cwd, p) || p;
  const flagsGiven = v.baseline !== undefined || v.candidate !== undefined;
  if (flagsGiven && args.length > 0) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_OPTION',
      `Give the sides either as arguments or as --baseline/--candidate, not both (got \`${args.join(' ')}\` too)`,
      {
        hint: 'e.g. comfyload compare --baseline runs/a1 runs/a2 runs/a3 --candidate runs/b1 runs/b2 runs/b3',
      },
    );
  }
  if (!flagsGiven && args.length === 1) {
    const { matrix, written } = runMatrix({ paths: args, cwd: io.cwd, sort: v.sort, outDir: v.outDir, ...(v.price !== undefined ? { prices: v.price } : {}) });
    if (!v.quiet) io.stderr.write(renderMatrixConsole(matrix));
    if (v.json) io.stdout.write(`${JSON.stringify(matrix)}\n`);
    io.stderr.write(`comfyload: wrote ${written.map(show).join(', ')}\n`);
    return 0;
  }
  const baseline = v.baseline ?? (args[0] !== undefined ? [args[0]] : []);
  const candidate = v.candidate ?? (args[1] !== undefined ? [args[1]] : []);
  if (baseline.length === 0 || candidate.length === 0) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Missing the ${baseline.length === 0 ? 'baseline' : 'candidate'} results folder`, {
      hint: 'comfyload compare BASELINE CANDIDATE (results folders or parents), --baseline a b c --candidate d e f, or comfyload compare results/ for the GPU matrix.',
    });
  }
  const { result, written } = runCompare({
    baseline,
    candidate,
    cwd: io.cwd,
    confidence: v.confidence,
    gates: v.threshold,
    allowDifferentWorkflow: v.allowDifferentWorkflow,
    outDir: v.outDir,
    ...(v.junit !== undefined ? { junitPath: v.junit } : {}),
  });
  if (v.quiet) io.stderr.write(`comfyload compare: ${result.headline}\n`);
  else io.stderr.write(renderCompareConsole(result));
  if (v.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  io.stderr.write(`comfyload: wrote ${written.map(show).join(', ')}\n`);
  return result.regression ? 1 : 0;
}
