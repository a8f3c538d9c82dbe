/**
 * The mixed-workload options of `comfyload run` (`--mix`, `--mix-order`): entries of run's one
 * options table, kept in a file of their own. `--mix` is checked here for its shape only; its
 * weights are read against the workflow names when the plan is built (src/session/mix-plan.ts).
 */
import { parseMixOrder, type MixOrderKind } from '../harness/workflow-mix.js';
import type { MixValues } from '../session/plan-values.js';
import type { OptionSpecs, ParseContext } from './option-table.js';
import { expected } from './value-parsers.js';

/** `3:1`, `a=75%,b=25%`, or in a config file a mapping `{a: 75%, b: 25%}`. */
function mixText(raw: unknown, ctx: ParseContext): string {
  const fix = '3:1';
  if (typeof raw === 'string' && raw.trim() !== '') return raw.trim();
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string' || typeof v === 'number'))
      return entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
  }
  return expected(ctx, 'weights in --workflow order (`3:1`) or by workflow name (`a=75%,b=25%`)', raw, fix, {
    ...(typeof raw === 'number' ? { hint: `quote it: a ratio such as "3:1" is text (e.g. ${ctx.example(fix)}).` } : {}),
  });
}

function mixOrder(raw: unknown, ctx: ParseContext): MixOrderKind {
  const parsed = typeof raw === 'string' ? parseMixOrder(raw) : 'a text';
  if (typeof parsed === 'string') return expected(ctx, parsed, raw, 'batched:4');
  return parsed;
}

export const MIX_SPECS: OptionSpecs<MixValues> = {
  mix: {
    kind: 'string',
    group: 'Workflow',
    description:
      "Mixed workload over the --workflow files: weights in --workflow order (`3:1`) or by workflow name, the file name without .json (`sd15-txt2img=75%,sdxl-txt2img=25%`). Each prompt draws its workflow by weight from the run's seed (its own stream: the prompts' seeds are those of a single-workflow run); results per workflow go to workflows.csv and the model swaps between them to swaps.csv.",
    defaultText: 'equal weights when --workflow is repeated',
    example: '3:1',
    parse: mixText,
  },
  mixOrder: {
    kind: 'string',
    group: 'Workflow',
    description:
      "Order of a mix's prompts: `random` (each draws by weight), `alternate` (as evenly interleaved as the weights allow: 3:1 is a a b a) or `batched:N` (runs of N prompts of one workflow, interleaved by weight) to show what grouping by model saves in swaps.",
    default: 'random',
    example: 'batched:4',
    parse: mixOrder,
  },
};
