/**
 * What a workflow graph says about the images it makes, for the fingerprint and the results
 * folder's name: the model files by kind, the resolution the sampler generates at, the steps,
 * batch size, sampler and scheduler. Only literal inputs count: a value fed by a link is not
 * known before the server runs the graph, and what is not known is left out, never guessed.
 * Pure: no Node API.
 */
import type { ApiNode, ApiWorkflow } from './http-types.js';
import { isLink } from './workflow.js';

/** Model files the workflow names, by kind. */
export interface WorkflowModels {
  checkpoint: string[];
  unet: string[];
  lora: string[];
  vae: string[];
  clip: string[];
  other: string[];
}

export interface WorkflowFacts {
  modelsByKind: WorkflowModels;
  /** Every model file, all kinds together, in kind order. */
  models: string[];
  /** `WxH` of the latent the last sampler(s) run on (distinct ones joined by `+`); undefined when the graph does not say. */
  resolution: string | undefined;
  /** Literal `steps` values (distinct ones joined by `+`); undefined when there is none. */
  steps: string | undefined;
  /** Highest literal `batch_size` (1 when none). */
  batchSize: number;
  sampler: string | undefined;
  scheduler: string | undefined;
}

const MODEL_INPUTS: Record<keyof WorkflowModels, readonly string[]> = {
  checkpoint: ['ckpt_name'],
  unet: ['unet_name'],
  lora: ['lora_name'],
  vae: ['vae_name'],
  clip: ['clip_name', 'clip_name1', 'clip_name2', 'clip_name3'],
  other: ['model_name', 'control_net_name', 'upscale_model', 'style_model_name', 'clip_vision_name'],
};

/** Inputs followed upstream from a sampler's latent to the node that sets its size, in order of preference. */
const UPSTREAM_INPUTS = ['samples', 'latent_image', 'latent', 'pixels', 'image', 'images'] as const;

/** Links followed at most from a sampler's latent (a cycle or a very deep chain ends the walk). */
const MAX_WALK = 32;

export function workflowFacts(workflow: ApiWorkflow): WorkflowFacts {
  const nodes = Object.values(workflow);
  const literal = (input: string): unknown[] => nodes.map((n) => n.inputs?.[input]).filter((v) => v !== undefined && v !== null && !Array.isArray(v));
  const modelsByKind = Object.fromEntries(
    Object.entries(MODEL_INPUTS).map(([kind, inputs]) => [kind, unique(inputs.flatMap((input) => literal(input).map(String)))]),
  ) as unknown as WorkflowModels;
  const batchValues = literal('batch_size').map(Number).filter(Number.isFinite);
  return {
    modelsByKind,
    models: unique(Object.values(modelsByKind).flat()),
    resolution: samplerResolution(workflow),
    steps: joined(literal('steps')),
    batchSize: batchValues.length > 0 ? Math.max(...batchValues) : 1,
    sampler: joined(literal('sampler_name')),
    scheduler: joined(literal('scheduler')),
  };
}

/**
 * The resolution the image is generated at: from each sampler (a node whose `latent_image` is a
 * link) up its latent's chain — through VAEEncode's pixels, an ImageScale, a latent upscale — to
 * the first node with a literal `width` and `height` (× a literal `scale_by` met on the way).
 * Of several samplers only the last ones count (a hires-fix pass runs at the final size), so a
 * `width` elsewhere in the graph (a ControlNet preprocessor, an upscale after decoding) never does.
 */
export function samplerResolution(workflow: ApiWorkflow): string | undefined {
  const samplers = Object.keys(workflow).filter((id) => isLink(workflow[id]?.inputs?.latent_image));
  const upstreamOfSampler = new Set<string>();
  for (const id of samplers) for (const a of ancestors(workflow, id)) if (samplers.includes(a)) upstreamOfSampler.add(a);
  const last = samplers.filter((id) => !upstreamOfSampler.has(id));
  return joined(last.map((id) => latentSize(workflow, workflow[id]?.inputs?.latent_image)).filter((s): s is string => s !== undefined));
}

function latentSize(workflow: ApiWorkflow, start: unknown): string | undefined {
  let scale = 1;
  let link = start;
  for (let hop = 0; hop < MAX_WALK && isLink(link); hop++) {
    const node: ApiNode | undefined = workflow[String(link[0])];
    if (node === undefined) return undefined;
    const { width, height, scale_by: scaleBy } = node.inputs ?? {};
    if (typeof width === 'number' && typeof height === 'number') return `${Math.round(width * scale)}x${Math.round(height * scale)}`;
    if (typeof scaleBy === 'number' && Number.isFinite(scaleBy)) scale *= scaleBy;
    link = UPSTREAM_INPUTS.map((name) => node.inputs?.[name]).find(isLink);
  }
  return undefined;
}

/** Every node id a node depends on, through its links. */
function ancestors(workflow: ApiWorkflow, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const node = workflow[stack.pop() as string];
    for (const value of Object.values(node?.inputs ?? {})) {
      if (!isLink(value)) continue;
      const source = String(value[0]);
      if (!seen.has(source)) {
        seen.add(source);
        stack.push(source);
      }
    }
  }
  return seen;
}

function joined(values: unknown[]): string | undefined {
  const distinct = unique(values.map(String));
  return distinct.length > 0 ? distinct.join('+') : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
