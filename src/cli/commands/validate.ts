/**
 * `comfyload validate --workflow x.json [--url …] [--export-api out.json]`: the preflight of `run`
 * without the run. The workflow (API or UI format) is checked against the server's /object_info —
 * every node class, required input, link, enum value (models, input images) and output node, and
 * the graph for cycles — and every problem is listed at once. Nothing is queued and nothing is
 * uploaded; exit 0 when the server would accept it, 2 when not. `--export-api` writes the API
 * graph that would be sent (seeds as in the file: `run` varies them per prompt).
 */
import { buildCheckPlan } from '../../session/build-plan.js';
import { checkWorkflow, writeApiExport } from '../../session/check-workflow.js';
import type { Resolved } from '../../session/plan-values.js';
import type { CliIO } from '../io.js';
import type { ValidateOptionValues } from '../options-validate.js';

export async function validateCommand(resolved: Resolved<ValidateOptionValues>, io: CliIO): Promise<number> {
  const v = resolved.values;
  const log = v.quiet ? { write: (): boolean => true } : io.stderr;
  const check = await checkWorkflow(await buildCheckPlan(resolved), log);
  const outputs = check.outputNodes;
  log.write(
    `comfyload: ${v.workflow} is valid for ${check.targetUrl}: ${Object.keys(check.workflow).length} nodes, output node${outputs.length === 1 ? '' : 's'} ${outputs.join(', ')}${check.converted ? ' (converted from the UI format)' : ''}\n`,
  );
  if (v.exportApi !== undefined) {
    await writeApiExport(v.exportApi, check.workflow);
    log.write(`comfyload: wrote the API-format graph to ${v.exportApi}; queue it with: comfyload run --workflow ${v.exportApi}\n`);
  }
  if (v.json) io.stdout.write(`${JSON.stringify(check.workflow, null, 2)}\n`);
  return 0;
}
