/**
 * `--prompt-file`: one positive prompt text per line, rotated through the prompts of the run.
 * The positive text input is the CLIPTextEncode titled "Positive" when there is one (the fixtures
 * and ComfyUI's default graph), else the text node reached by following a sampler's `positive`
 * link back through conditioning nodes (FluxGuidance, ConditioningCombine…).
 */
import type { ApiWorkflow } from '../comfy/http-types.js';
import { cloneWorkflow, isLink } from '../comfy/workflow.js';
import { ComfyloadError } from '../comfy/errors.js';

/** A node input that holds the positive prompt text. */
export interface TextTarget {
  nodeId: string;
  input: string;
}

const TEXT_INPUTS = ['text', 'text_g', 'text_l', 'prompt'];
const POSITIVE_INPUTS = ['positive', 'conditioning'];

/** Where the positive text goes; throws BAD_WORKFLOW when the graph has no such node. */
export function findPositiveText(wf: ApiWorkflow): TextTarget[] {
  const titled = Object.entries(wf).filter(([, n]) => n._meta?.title?.trim().toLowerCase() === 'positive');
  const byTitle = titled.flatMap(([id, n]) => textInputs(id, n.inputs));
  if (byTitle.length > 0) return byTitle;
  const found: TextTarget[] = [];
  const seen = new Set<string>();
  for (const node of Object.values(wf)) {
    const link = node.inputs.positive;
    if (isLink(link)) trace(wf, String(link[0]), seen, found);
  }
  if (found.length === 0) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_WORKFLOW',
      '--prompt-file: the workflow has no positive prompt text to vary (no node titled "Positive", and no text encoder linked to a sampler\'s `positive` input)',
      { hint: 'Title the positive CLIPTextEncode "Positive" in the editor and export again, or vary the text with --set instead.' },
    );
  }
  return found;
}

function trace(wf: ApiWorkflow, id: string, seen: Set<string>, found: TextTarget[]): void {
  if (seen.has(id)) return;
  seen.add(id);
  const node = wf[id];
  if (node === undefined) return;
  const texts = textInputs(id, node.inputs);
  if (texts.length > 0) {
    found.push(...texts);
    return;
  }
  for (const name of POSITIVE_INPUTS) {
    const link = node.inputs[name];
    if (isLink(link)) trace(wf, String(link[0]), seen, found);
  }
  for (const [name, link] of Object.entries(node.inputs)) {
    if (name.startsWith('conditioning') && isLink(link)) trace(wf, String(link[0]), seen, found);
  }
}

function textInputs(id: string, inputs: ApiWorkflow[string]['inputs']): TextTarget[] {
  return TEXT_INPUTS.filter((name) => typeof inputs[name] === 'string').map((input) => ({ nodeId: id, input }));
}

/** A NEW graph with the text of prompt `seq` (rotating through `texts`) in every target. */
export function withPromptText(wf: ApiWorkflow, targets: readonly TextTarget[], texts: readonly string[], seq: number): ApiWorkflow {
  if (texts.length === 0) return wf;
  const text = texts[seq % texts.length]!;
  const out = cloneWorkflow(wf);
  for (const t of targets) {
    const node = out[t.nodeId];
    if (node !== undefined) node.inputs[t.input] = text;
  }
  return out;
}
