/**
 * The parser of emulator fault texts, shared by `comfyload sim --fault` and `comfyload run
 * --sim-fault`: the emulator owns the catalogue of names and keys (src/sim/faults.ts); this only
 * turns its refusal into the CLI's error.
 */
import { FAULT_KEYS, FAULT_NAMES, parseFaultText, type FaultSpec } from '../sim/faults.js';
import type { ParseContext } from './option-table.js';
import { expected } from './value-parsers.js';

/** The faults of the emulator table, for option descriptions. */
export const FAULT_SYNTAX =
  '`name` or `name:key=value,…` (ws-drop, restart, http-500, http-404, slow-http, stall, stuck, oom, malformed, progress-storm; keys rate, route/node, ms, after, every, factor, times, down)';

/**
 * `name` or `name:key=value,…`, several faults per value allowed
 * (`ws-drop:every=50,http-500:rate=0.05`) → FaultSpecs.
 */
export function parseFault(raw: unknown, ctx: ParseContext): FaultSpec[] {
  const what = `a fault \`name\` or \`name:key=value,…\` (faults: ${FAULT_NAMES.join(', ')}; keys: ${FAULT_KEYS.join(', ')})`;
  const fix = 'ws-drop:every=50,http-500:rate=0.05,route=/prompt';
  if (typeof raw !== 'string') return expected(ctx, what, raw, fix);
  const parsed = parseFaultText(raw);
  if ('error' in parsed) return expected(ctx, `${what}: ${parsed.error}`, raw, fix);
  return parsed;
}
