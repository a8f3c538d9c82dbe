/**
 * What flows along the links of a simulated graph: just enough to cost the next node (which
 * family's weights, how many pixels, which seed) and to draw the final pixels. Type-only.
 */
import type { FamilyId } from './profiles.js';

export interface SimModelRef {
  /** Model file as named in the prompt. */
  file: string;
  family: FamilyId;
  /** Identity of the weights on the GPU (file + component). */
  key: string;
  /** Bytes of these weights. */
  bytes: number;
  /** LoRAs patched in, in order (changes what the GPU must hold, not the key of the base). */
  loras: string[];
}

export type SimValue =
  | ({ kind: 'MODEL' } & SimModelRef)
  | ({ kind: 'CLIP' } & SimModelRef)
  | ({ kind: 'VAE' } & SimModelRef)
  | ({ kind: 'UPSCALE_MODEL'; scale: number } & SimModelRef)
  | { kind: 'CONDITIONING'; family: FamilyId | undefined; text: string }
  | { kind: 'LATENT'; width: number; height: number; batch: number; seed: string }
  | { kind: 'IMAGE'; width: number; height: number; batch: number; seed: string; color?: number }
  | { kind: 'MASK'; width: number; height: number; batch: number }
  | { kind: 'OTHER'; type: string; value?: unknown };

/** A short `str()` of a value for `current_inputs` of an execution_error. */
export function describeValue(v: SimValue): string {
  switch (v.kind) {
    case 'MODEL':
      return '<comfy.model_patcher.ModelPatcher object at 0x7f3a5c1d2e90>';
    case 'CLIP':
      return '<comfy.sd.CLIP object at 0x7f3a5c1d3f10>';
    case 'VAE':
      return '<comfy.sd.VAE object at 0x7f3a5c1d4a50>';
    case 'UPSCALE_MODEL':
      return '<spandrel.ImageModelDescriptor object at 0x7f3a5c1d5b70>';
    case 'LATENT':
      return `{'samples': tensor(shape=[${v.batch}, 4, ${Math.round(v.height / 8)}, ${Math.round(v.width / 8)}])}`;
    case 'IMAGE':
      return `tensor(shape=[${v.batch}, ${v.height}, ${v.width}, 3])`;
    case 'MASK':
      return `tensor(shape=[${v.batch}, ${v.height}, ${v.width}])`;
    case 'CONDITIONING':
      return "[[tensor(shape=[1, 77, 768]), {'pooled_output': tensor(shape=[1, 768])}]]";
    case 'OTHER':
      return String(v.value ?? v.type);
  }
}
