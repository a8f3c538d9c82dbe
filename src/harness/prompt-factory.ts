/**
 * Makes the graph of each prompt from the workflow template: seeds per the seed policy (an
 * identical prompt is served from ComfyUI's cache and measures nothing), ids chosen client-side.
 */
import { applySeedPolicy, findSeedInputs, type SeedPolicy } from '../comfy/workflow.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { createRng } from './rng.js';

export class PromptFactory {
  readonly #template: ApiWorkflow;
  readonly #policy: SeedPolicy;
  readonly #baseSeed: number;
  readonly #rng: () => number;
  readonly nodeIds: readonly string[];
  /** Whether the graph has any seed input the policy can vary. */
  readonly hasSeedInputs: boolean;
  #seq = 0;

  constructor(template: ApiWorkflow, policy: SeedPolicy, baseSeed: number) {
    this.#template = template;
    this.#policy = policy;
    this.#baseSeed = baseSeed;
    this.#rng = createRng(baseSeed);
    this.nodeIds = Object.keys(template);
    this.hasSeedInputs = findSeedInputs(template).length > 0;
  }

  /** The next prompt's graph and its submission sequence number (from 0, across the run). */
  next(): { seq: number; graph: ApiWorkflow } {
    const seq = this.#seq++;
    return { seq, graph: applySeedPolicy(this.#template, this.#policy, seq, this.#rng, this.#baseSeed) };
  }
}
