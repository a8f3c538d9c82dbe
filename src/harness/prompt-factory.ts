/**
 * Makes the graph of each prompt from the workflow template: seeds per the seed policy (an
 * identical prompt is served from ComfyUI's cache and measures nothing), the positive text from
 * `--prompt-file` in rotation, ids chosen client-side.
 *
 * Random seeds come from the run's seed sequence (src/comfy/seed-sequence.ts), a permutation
 * indexed by the prompt's position in the run's one seed stream: the Node engine and the k6
 * scenarios derive the same seed for the same position, and no two positions share a seed. A
 * factory that starts at `streamStart` continues a stream another factory already drew that many
 * prompts from (the cache audit's varied prompts), so the run never repeats the audit's seeds —
 * a repeat would be served from cache.
 */
import { applySeedSequence } from '../comfy/seed-sequence.js';
import { findSeedInputs, type SeedPolicy } from '../comfy/workflow.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { findPositiveText, type TextTarget, withPromptText } from './prompt-text.js';

export class PromptFactory {
  readonly #template: ApiWorkflow;
  readonly #policy: SeedPolicy;
  readonly #baseSeed: number;
  readonly #texts: readonly string[];
  readonly #textTargets: readonly TextTarget[];
  readonly #streamStart: number;
  readonly nodeIds: readonly string[];
  /** Whether the graph has any seed input the policy can vary. */
  readonly hasSeedInputs: boolean;
  #seq = 0;

  /**
   * `texts`: positive prompts to rotate through (throws BAD_WORKFLOW when the graph has no positive
   * text). `streamStart`: positions of this seed stream already drawn elsewhere, skipped.
   */
  constructor(template: ApiWorkflow, policy: SeedPolicy, baseSeed: number, texts: readonly string[] = [], streamStart = 0) {
    this.#template = template;
    this.#policy = policy;
    this.#baseSeed = baseSeed;
    this.#streamStart = streamStart;
    this.nodeIds = Object.keys(template);
    this.hasSeedInputs = findSeedInputs(template).length > 0;
    this.#texts = texts;
    this.#textTargets = texts.length > 0 ? findPositiveText(template) : [];
  }

  /** Positions of the seed stream drawn so far (the skipped ones included). */
  get streamPosition(): number {
    return this.#streamStart + this.#seq;
  }

  /** The next prompt's graph and its submission sequence number (from 0, across the run). */
  next(): { seq: number; graph: ApiWorkflow } {
    const seq = this.#seq++;
    const seeded = applySeedSequence(this.#template, this.#policy, this.#streamStart + seq, this.#baseSeed);
    return { seq, graph: withPromptText(seeded, this.#textTargets, this.#texts, seq) };
  }
}
