/**
 * One line of k6's `--out json` NDJSON as the event it means for comfyload. k6 writes a `Metric`
 * line the first time it sees a metric and a `Point` line per sample:
 * `{"metric":"promptsOk","type":"Point","data":{"time":"…Z","value":1,"tags":{…},"metadata":{…}}}`
 * (output/json/wrapper.go in grafana/k6). Only the points of comfyload's scenarios matter here
 * (names in src/metrics/k6-wire.ts) and k6's own `dropped_iterations`; everything else k6 emits
 * (http_req_*, ws_*, iterations, vus) is skipped.
 */
import { ComfyloadError } from '../../comfy/errors.js';
import {
  DROPPED_COUNTER,
  K6_TAGS,
  OUTCOME_COUNTERS,
  RAM_USED_GAUGE,
  readPromptWire,
  readRunWire,
  readVramWire,
  RUN_COUNTER,
  SUBMITTED_COUNTER,
  VRAM_FAILED_COUNTER,
  VRAM_SKIPPED_COUNTER,
  WIRE_METADATA_KEY,
  type K6PromptWire,
  type K6RunWire,
  type K6VramWire,
} from '../../metrics/k6-wire.js';
import type { Phase } from '../../metrics/result-types.js';

export type K6Event =
  | { kind: 'run'; timeMs: number; wire: K6RunWire }
  | { kind: 'submitted'; timeMs: number; promptId: string; level: number; phase: Phase }
  | { kind: 'settled'; timeMs: number; wire: K6PromptWire }
  | { kind: 'dropped'; timeMs: number; scenario: string; count: number }
  | { kind: 'vram'; timeMs: number; wire: K6VramWire }
  | { kind: 'vramFailed'; timeMs: number; count: number }
  | { kind: 'vramSkipped'; timeMs: number; count: number };

interface PointLine {
  type?: unknown;
  metric?: unknown;
  data?: { time?: unknown; value?: unknown; tags?: Record<string, unknown> | null; metadata?: Record<string, unknown> | null };
}

const OUTCOMES = new Set(OUTCOME_COUNTERS);

function metadataJson(data: PointLine['data']): unknown {
  const raw = data?.metadata?.[WIRE_METADATA_KEY];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The event of one NDJSON line, or undefined for lines comfyload does not use. Throws
 * BAD_K6_OUTPUT for a line that is not JSON (`where` names it in the message).
 */
export function parseK6Line(line: string, where: string): K6Event | undefined {
  if (line.trim() === '') return undefined;
  let parsed: PointLine;
  try {
    parsed = JSON.parse(line) as PointLine;
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_K6_OUTPUT', `${where} is not k6 NDJSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed.type !== 'Point' || typeof parsed.metric !== 'string') return undefined;
  const data = parsed.data;
  const timeMs = typeof data?.time === 'string' ? Date.parse(data.time) : Number.NaN;
  const value = typeof data?.value === 'number' ? data.value : 0;
  const tags = data?.tags ?? {};
  const metric = parsed.metric;
  if (metric === SUBMITTED_COUNTER) {
    const promptId = data?.metadata?.prompt_id;
    return {
      kind: 'submitted',
      timeMs,
      promptId: typeof promptId === 'string' ? promptId : '',
      level: Number(tags[K6_TAGS.level] ?? 0),
      phase: tags[K6_TAGS.phase] === 'warmup' ? 'warmup' : 'measure',
    };
  }
  if (OUTCOMES.has(metric)) {
    const wire = readPromptWire(metadataJson(data));
    return wire === undefined ? undefined : { kind: 'settled', timeMs, wire };
  }
  if (metric === DROPPED_COUNTER) return { kind: 'dropped', timeMs, scenario: String(tags.scenario ?? ''), count: value };
  if (metric === RAM_USED_GAUGE) {
    const wire = readVramWire(metadataJson(data));
    return wire === undefined ? undefined : { kind: 'vram', timeMs, wire };
  }
  if (metric === VRAM_FAILED_COUNTER) return { kind: 'vramFailed', timeMs, count: value };
  if (metric === VRAM_SKIPPED_COUNTER) return { kind: 'vramSkipped', timeMs, count: value };
  if (metric === RUN_COUNTER) {
    const wire = readRunWire(metadataJson(data));
    return wire === undefined ? undefined : { kind: 'run', timeMs, wire };
  }
  return undefined;
}
