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
 *
 * A mixed workload (`run --mix`) gives several templates: each prompt draws its workflow from a
 * {@link MixOrder} seeded by the run's seed on a stream of its own, so the seed of the prompt at
 * each position is the one a single-workflow run would send there, whichever workflow it drew.
 * The warm-up's prompts take the workflows in turn first, so every model is loaded before the
 * measured prompts.
 */
import { applySeedSequence } from '../comfy/seed-sequence.js';
import { findSeedInputs, type SeedPolicy } from '../comfy/workflow.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { findPositiveText, type TextTarget, withPromptText } from './prompt-text.js';
import { MixOrder, type MixOrderKind, type MixWeights } from './workflow-mix.js';

/** Several templates and how prompts draw them (`run --mix`, `--mix-order`). */
export interface TemplateMix {
  /** In --workflow order; a prompt's `workflow` is its index here. */
  templates: readonly ApiWorkflow[];
  weights: MixWeights;
  order: MixOrderKind;
  /**
   * The warm-up's prompts, drawn first: they take the workflows in turn, so the warm-up loads
   * every model before the measured prompts, whose order starts after them. Default 0.
   */
  warmupDraws?: number;
}

/** One prompt to send. */
export interface FactoryPrompt {
  /** Submission sequence number, from 0 across the run. */
  seq: number;
  graph: ApiWorkflow;
  /** Node ids of its graph (what its tracker expects to hear about). */
  nodeIds: readonly string[];
  /** The template it was made from, index into the mix's templates; undefined without a mix. */
  workflow: number | undefined;
}

interface Template {
  graph: ApiWorkflow;
  nodeIds: readonly string[];
  textTargets: readonly TextTarget[];
}

/** The mix order's own stream: drawing workflows must leave the seed sequence (and the arrival times) alone. */
const MIX_STREAM = 0x6d1c;

export class PromptFactory {
  readonly #templates: readonly Template[];
  readonly #order: MixOrder | undefined;
  readonly #warmupDraws: number;
  readonly #policy: SeedPolicy;
  readonly #baseSeed: number;
  readonly #texts: readonly string[];
  readonly #streamStart: number;
  /** Node ids of the (first) template. */
  readonly nodeIds: readonly string[];
  /** Whether every template has a seed input the policy can vary. */
  readonly hasSeedInputs: boolean;
  #seq = 0;

  /**
   * `texts`: positive prompts to rotate through (throws BAD_WORKFLOW when a graph has no positive
   * text). `streamStart`: positions of this seed stream already drawn elsewhere, skipped. `mix`:
   * several templates drawn by weight, in place of `template`.
   */
  constructor(template: ApiWorkflow, policy: SeedPolicy, baseSeed: number, texts: readonly string[] = [], streamStart = 0, mix?: TemplateMix) {
    const graphs = mix !== undefined ? mix.templates : [template];
    this.#templates = graphs.map((graph) => ({
      graph,
      nodeIds: Object.keys(graph),
      textTargets: texts.length > 0 ? findPositiveText(graph) : [],
    }));
    this.#order = mix !== undefined ? new MixOrder(mix.weights, mix.order, (baseSeed ^ MIX_STREAM) >>> 0) : undefined;
    this.#warmupDraws = mix?.warmupDraws ?? 0;
    this.#policy = policy;
    this.#baseSeed = baseSeed;
    this.#streamStart = streamStart;
    this.#texts = texts;
    this.nodeIds = this.#templates[0]?.nodeIds ?? [];
    this.hasSeedInputs = graphs.every((graph) => findSeedInputs(graph).length > 0);
  }

  /** Positions of the seed stream drawn so far (the skipped ones included). */
  get streamPosition(): number {
    return this.#streamStart + this.#seq;
  }

  /** The next prompt: its graph, its submission sequence number and, in a mix, the workflow it drew. */
  next(): FactoryPrompt {
    const seq = this.#seq++;
    const workflow = this.#order === undefined ? undefined : seq < this.#warmupDraws ? seq % this.#templates.length : this.#order.next();
    const template = this.#templates[workflow ?? 0] as Template;
    const seeded = applySeedSequence(template.graph, this.#policy, this.#streamStart + seq, this.#baseSeed);
    return { seq, graph: withPromptText(seeded, template.textTargets, this.#texts, seq), nodeIds: template.nodeIds, workflow };
  }
}
