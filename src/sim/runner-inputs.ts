/**
 * Reading a node's inputs generically: runners look values up by kind (the first MODEL, the
 * first LATENT…) and literals by name, so one runner serves every class the registry maps to
 * its exec kind (KSampler and KSamplerAdvanced, CLIPLoader and DualCLIPLoader…).
 */
import type { NodeRunContext } from './node-context.js';
import type { SimValue } from './sim-values.js';

export function isSimValue(v: unknown): v is SimValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { kind?: unknown }).kind === 'string';
}

/** The first linked input of this kind. */
export function valueOf<K extends SimValue['kind']>(ctx: NodeRunContext, kind: K): Extract<SimValue, { kind: K }> | undefined {
  for (const v of Object.values(ctx.inputs)) if (isSimValue(v) && v.kind === kind) return v as Extract<SimValue, { kind: K }>;
  return undefined;
}

export function allValuesOf<K extends SimValue['kind']>(ctx: NodeRunContext, kind: K): Extract<SimValue, { kind: K }>[] {
  return Object.values(ctx.inputs).filter((v): v is Extract<SimValue, { kind: K }> => isSimValue(v) && v.kind === kind);
}

export function num(ctx: NodeRunContext, names: string | string[], fallback: number): number {
  for (const n of typeof names === 'string' ? [names] : names) {
    const v = ctx.inputs[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
  }
  return fallback;
}

export function str(ctx: NodeRunContext, names: string | string[], fallback: string): string {
  for (const n of typeof names === 'string' ? [names] : names) {
    const v = ctx.inputs[n];
    if (typeof v === 'string') return v;
  }
  return fallback;
}

/** Literal string inputs whose name ends in `_name` (ckpt_name, clip_name1, lora_name…). */
export function modelNames(ctx: NodeRunContext): string[] {
  return Object.entries(ctx.inputs)
    .filter(([k, v]) => /(_name\d*|^model)$/.test(k) && typeof v === 'string')
    .map(([, v]) => v as string);
}

/** Maps produced values onto the node's declared output slots by type. */
export function byOutputTypes(ctx: NodeRunContext, produced: Partial<Record<string, SimValue>>): SimValue[] {
  // A type the runner did not make passes through from the first input of that type
  // (FluxGuidance: CONDITIONING in, CONDITIONING out).
  return ctx.info.output.map(
    (t) => produced[t] ?? Object.values(ctx.inputs).find((v): v is SimValue => isSimValue(v) && v.kind === t) ?? { kind: 'OTHER', type: t },
  );
}

/** The literal and link-free inputs as a stable string, to derive pixel seeds. */
export function literalSignature(ctx: NodeRunContext): string {
  return JSON.stringify(Object.entries(ctx.inputs).filter(([, v]) => !isSimValue(v)));
}
