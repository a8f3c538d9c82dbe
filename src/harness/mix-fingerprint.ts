/**
 * The fingerprint of a mixed workload (`run --mix`): the server's as for one workflow, and what
 * was measured as the mix it is — every workflow's models, resolutions, steps and samplers, a
 * hash over the workflows and their weights, and a model configuration named for the mix
 * (`mix-sd15-txt2img+sdxl-txt2img-3to1`), so a mix never shares a results folder with one of its
 * workflows measured alone.
 */
import { createHash } from 'node:crypto';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { buildFingerprint, matrixPart, slug, type Fingerprint, type FingerprintInput, type WorkflowModels } from './fingerprint.js';

export interface MixFingerprintWorkflow {
  name: string;
  path: string;
  workflow: ApiWorkflow;
  weight: number;
}

/** `3:1` → `3to1`, `75%:25%` → `3to1`, `0.5:0.25` → `2to1`: the smallest whole ratio (to 3 decimals). */
export function ratioText(weights: readonly number[]): string {
  const scale = 1000;
  const whole = weights.map((w) => Math.round(w * scale));
  const divisor = whole.reduce((a, b) => gcd(a, b));
  return whole.map((w) => String(w / (divisor || 1))).join('to');
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];
const joined = (values: readonly string[]): string => unique(values.filter((v) => v !== 'none')).join('+') || 'none';

/** The fingerprint of the mix: `labels` `gpu=` / `model-config=` override its folder names as for one workflow. */
export function buildMixFingerprint(
  server: Omit<FingerprintInput, 'workflow' | 'workflowPath'>,
  workflows: readonly MixFingerprintWorkflow[],
): { fingerprint: Fingerprint; perWorkflow: Fingerprint[] } {
  const [first] = workflows;
  if (first === undefined) throw new RangeError('Expected a mix of at least one workflow');
  const labels = server.labels;
  const perWorkflow = workflows.map((w) => buildFingerprint({ ...server, labels: {}, workflow: w.workflow, workflowPath: w.path }));
  const base = buildFingerprint({ ...server, workflow: first.workflow, workflowPath: first.path });
  const modelsByKind = Object.fromEntries(
    (Object.keys(base.modelsByKind) as (keyof WorkflowModels)[]).map((kind) => [kind, unique(perWorkflow.flatMap((f) => f.modelsByKind[kind]))]),
  ) as unknown as WorkflowModels;
  const sha = createHash('sha256')
    .update(JSON.stringify(workflows.map((w, i) => ({ name: w.name, sha256: perWorkflow[i]?.workflowSha256, weight: w.weight }))))
    .digest('hex');
  const names = workflows.map((w) => slug(w.name)).join('+');
  const matrix = matrixPart(labels['matrix']);
  const config =
    labels['model-config'] !== undefined
      ? slug(labels['model-config'])
      : `mix-${names}-${ratioText(workflows.map((w) => w.weight))}${matrix !== '' ? `-${slug(matrix)}` : ''}`.slice(0, 120);
  return {
    perWorkflow,
    fingerprint: {
      ...base,
      workflowPath: workflows.map((w) => w.path).join(' + '),
      workflowSha256: sha,
      models: unique(perWorkflow.flatMap((f) => f.models)),
      modelsByKind,
      resolution: joined(perWorkflow.map((f) => f.resolution)),
      steps: joined(perWorkflow.map((f) => f.steps)),
      batchSize: Math.max(...perWorkflow.map((f) => f.batchSize)),
      sampler: joined(perWorkflow.map((f) => f.sampler)),
      scheduler: joined(perWorkflow.map((f) => f.scheduler)),
      // `+` joins the workflows: a folder-safe character that slug() would turn into `-`.
      modelConfigSlug: config,
    },
  };
}
