/**
 * Makes the graph of each prompt from the workflow template: seeds per the seed policy (an
 * identical prompt is served from ComfyUI's cache and measures nothing), the positive text from
 * `--prompt-file` in rotation, ids chosen client-side.
 *
 * Seeds come from one stream per run, from the run's base seed: `random` draws from a generator
 * seeded with it, `increment` counts up from it. A factory that starts at `streamStart` continues
 * a stream another factory already drew that many prompts from (the cache audit's varied
 * prompts), so the run never repeats the audit's seeds — a repeat would be served from cache.
 */
import { applySeedPolicy, findSeedInputs, type SeedPolicy } from '../comfy/workflow.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { findPositiveText, type TextTarget, withPromptText } from './prompt-text.js';
import { createRng } from './rng.js';

export class PromptFactory {
  readonly #template: ApiWorkflow;
  readonly #policy: SeedPolicy;
  readonly #baseSeed: number;
  readonly #rng: () => number;
  readonly #texts: readonly string[];
  readonly #textTargets: readonly TextTarget[];
  readonly nodeIds: readonly string[];
  /** Whether the graph has any seed input the policy can vary. */
  readonly hasSeedInputs: boolean;
  #seq = 0;
  /** Position in the seed stream of the next prompt. */
  #streamIndex: number;

  /**
   * `texts`: positive prompts to rotate through (throws BAD_WORKFLOW when the graph has no positive
   * text). `streamStart`: prompts of this seed stream already drawn elsewhere, skipped.
   */
  constructor(template: ApiWorkflow, policy: SeedPolicy, baseSeed: number, texts: readonly string[] = [], streamStart = 0) {
    this.#template = template;
    this.#policy = policy;
    this.#baseSeed = baseSeed;
    this.#rng = createRng(baseSeed);
    this.nodeIds = Object.keys(template);
    this.hasSeedInputs = findSeedInputs(template).length > 0;
    this.#texts = texts;
    this.#textTargets = texts.length > 0 ? findPositiveText(template) : [];
    this.#streamIndex = 0;
    // The same draws the other factory made, discarded, so the generator is where it left off.
    while (this.#streamIndex < streamStart) this.#seeded();
  }

  /** Prompts drawn from the seed stream so far (the skipped ones included). */
  get streamPosition(): number {
    return this.#streamIndex;
  }

  /** The next prompt's graph and its submission sequence number (from 0, across the run). */
  next(): { seq: number; graph: ApiWorkflow } {
    const seq = this.#seq++;
    return { seq, graph: withPromptText(this.#seeded(), this.#textTargets, this.#texts, seq) };
  }

  #seeded(): ApiWorkflow {
    return applySeedPolicy(this.#template, this.#policy, this.#streamIndex++, this.#rng, this.#baseSeed);
  }
}
