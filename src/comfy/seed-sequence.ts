/**
 * The seed of every prompt of a run as a function of the run's base seed and the prompt's index:
 * a keyed permutation of [0, 2^50), so seeds look random (ComfyUI's cache must see a new graph
 * every time) and yet never repeat, whoever computes them. That matters once a run is split:
 * k6's virtual users share no state and the runners of one plan (`--execution-segment`, k6-operator
 * `parallelism`) run on different machines, but each prompt's index is unique in the whole test,
 * so every runner, VU and engine derives a different seed for it without coordination — and the
 * Node and k6 engines send the same seeds for the same plan.
 *
 * The permutation is a 4-round Feistel network on two 25-bit halves; the round function mixes the
 * half with a round key derived from the base seed (murmur3's finaliser). A Feistel network is a
 * bijection whatever its round function, so distinct indexes give distinct seeds. Pure; 32-bit
 * integer arithmetic only (`Math.imul`), so it runs unchanged in k6.
 */
import type { ApiWorkflow } from './http-types.js';
import { applySeedPolicy, cloneWorkflow, findSeedInputs, RANDOM_SEED_LIMIT, type SeedPolicy } from './workflow.js';

const HALF_BITS = 25;
const HALF = 2 ** HALF_BITS;
const HALF_MASK = HALF - 1;
const ROUNDS = 4;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Round keys from a base seed (any safe integer, up to 2^53). */
function roundKeys(baseSeed: number): number[] {
  const lo = (baseSeed % 2 ** 32) >>> 0;
  const hi = Math.floor(baseSeed / 2 ** 32) >>> 0;
  const keys: number[] = [];
  for (let round = 0; round < ROUNDS; round++) keys.push(fmix32(lo ^ fmix32(hi + Math.imul(round + 1, 0x9e3779b9))));
  return keys;
}

/**
 * The seed of prompt `index` (0 ≤ index < 2^50) in the run seeded by `baseSeed`: an integer in
 * [0, 2^50), different for every index of the same base seed.
 */
export function seedAt(baseSeed: number, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= RANDOM_SEED_LIMIT) throw new RangeError(`seed index ${index} is outside [0, 2^50)`);
  if (!Number.isSafeInteger(baseSeed) || baseSeed < 0) throw new RangeError(`base seed ${baseSeed} is not a non-negative safe integer`);
  const keys = roundKeys(baseSeed);
  let left = Math.floor(index / HALF);
  let right = index % HALF;
  for (const key of keys) {
    const mixed = (fmix32((right ^ key) >>> 0) & HALF_MASK) >>> 0;
    const next = (left ^ mixed) >>> 0;
    left = right;
    right = next;
  }
  return left * HALF + right;
}

/**
 * A NEW graph with the seeds of prompt `index`: `random` gives each literal seed input its own
 * value of the sequence (index × inputs + input position, so graphs with several samplers repeat
 * no seed either); `fixed` and `increment` as {@link applySeedPolicy}. Never mutates `wf`.
 */
export function applySeedSequence(wf: ApiWorkflow, policy: SeedPolicy, index: number, baseSeed: number): ApiWorkflow {
  if (policy !== 'random') return applySeedPolicy(wf, policy, index, () => 0, baseSeed);
  const out = cloneWorkflow(wf);
  const inputs = findSeedInputs(out);
  inputs.forEach(({ nodeId, input }, position) => {
    const node = out[nodeId];
    if (node !== undefined) node.inputs[input] = seedAt(baseSeed, index * inputs.length + position);
  });
  return out;
}
