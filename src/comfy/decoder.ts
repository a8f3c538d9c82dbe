/**
 * Decoding of ComfyUI WebSocket frames (protocol reference §2). Pure and total: every input,
 * however broken, yields a value; nothing here throws. Shape checks are light and cover only the
 * fields the tracker and router rely on, so a server that adds fields keeps working while one
 * that breaks a relied-on field is reported as malformed instead of corrupting the marks.
 */
import type { BinaryFrame, KnownServerMessage, PreviewMetadata, UnknownServerMessage } from './messages.js';
import { decodeUtf8 } from './utf8.js';

/** Result of decoding one text frame. */
export type DecodedText =
  { kind: 'message'; message: KnownServerMessage } | { kind: 'unknown'; message: UnknownServerMessage } | { kind: 'malformed'; reason: string };

type Data = Record<string, unknown>;
/** Returns why `data` is unusable, or undefined when it is fine. */
type ShapeCheck = (data: Data) => string | undefined;

function isObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (typeof x !== 'string') return false;
  return true;
}

// Reasons are fixed strings (never the parser's message) so that counting them stays bounded.
function promptIdAndTimestamp(type: string): ShapeCheck {
  return (d) => {
    if (typeof d.prompt_id !== 'string') return `${type}: prompt_id must be a string`;
    if (d.timestamp !== undefined && !isFiniteNumber(d.timestamp)) return `${type}: timestamp must be a number`;
    return undefined;
  };
}

const anyObject: ShapeCheck = () => undefined;

// A Map, not an object literal, so that a hostile `type` such as "__proto__" cannot hit a prototype key.
const SHAPES = new Map<string, ShapeCheck>([
  [
    'status',
    (d) => {
      const status = d.status;
      const execInfo = isObject(status) ? status.exec_info : undefined;
      if (!isObject(execInfo) || !isFiniteNumber(execInfo.queue_remaining)) {
        return 'status: status.exec_info.queue_remaining must be a number';
      }
      return undefined;
    },
  ],
  ['execution_start', promptIdAndTimestamp('execution_start')],
  [
    'execution_cached',
    (d) => {
      if (!isStringArray(d.nodes)) return 'execution_cached: nodes must be a list of node ids';
      return promptIdAndTimestamp('execution_cached')(d);
    },
  ],
  [
    'executing',
    (d) => {
      if (d.node !== null && typeof d.node !== 'string') return 'executing: node must be a string or null';
      if (d.prompt_id !== undefined && typeof d.prompt_id !== 'string') return 'executing: prompt_id must be a string';
      return undefined;
    },
  ],
  [
    'progress',
    (d) => {
      if (!isFiniteNumber(d.value) || !isFiniteNumber(d.max)) return 'progress: value and max must be numbers';
      if (d.prompt_id !== undefined && d.prompt_id !== null && typeof d.prompt_id !== 'string') {
        return 'progress: prompt_id must be a string';
      }
      if (d.node !== undefined && d.node !== null && typeof d.node !== 'string') return 'progress: node must be a string';
      return undefined;
    },
  ],
  [
    'progress_state',
    (d) => {
      if (typeof d.prompt_id !== 'string') return 'progress_state: prompt_id must be a string';
      if (!isObject(d.nodes)) return 'progress_state: nodes must be an object';
      return undefined;
    },
  ],
  [
    'executed',
    (d) => {
      if (typeof d.node !== 'string') return 'executed: node must be a string';
      if (typeof d.prompt_id !== 'string') return 'executed: prompt_id must be a string';
      if (d.output !== undefined && d.output !== null && !isObject(d.output)) return 'executed: output must be an object';
      return undefined;
    },
  ],
  ['execution_success', promptIdAndTimestamp('execution_success')],
  [
    'execution_error',
    (d) => {
      if (typeof d.exception_type !== 'string') return 'execution_error: exception_type must be a string';
      return promptIdAndTimestamp('execution_error')(d);
    },
  ],
  ['execution_interrupted', promptIdAndTimestamp('execution_interrupted')],
  ['feature_flags', anyObject],
  ['logs', anyObject],
  ['display_component', anyObject],
]);

/**
 * A text frame that is not a known message: `unknown` or `malformed` (rare). A class so that
 * {@link decodeTextFrame}'s caller can tell it from a decoded message by `instanceof`
 * (JSON.parse never makes class instances, whatever keys a server sends).
 */
export class TextProblem {
  constructor(readonly decoded: Exclude<DecodedText, { kind: 'message' }>) {}
}

function malformed(reason: string): TextProblem {
  return new TextProblem({ kind: 'malformed', reason });
}

/**
 * The hot path of {@link decodeText}: a known message with a usable shape is returned as the
 * parsed object itself (no wrapper per frame); anything else as a {@link TextProblem}. Never throws.
 */
export function decodeTextFrame(raw: string): KnownServerMessage | TextProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return malformed('invalid JSON');
  }
  if (!isObject(parsed)) return malformed('frame is not a JSON object');
  const type = parsed.type;
  if (typeof type !== 'string') return malformed('type is missing or not a string');
  const data = parsed.data;
  if (!isObject(data)) return malformed('data is missing or not an object');
  const check = SHAPES.get(type);
  if (check === undefined) return new TextProblem({ kind: 'unknown', message: { type, data, unknown: true } });
  const problem = check(data);
  if (problem !== undefined) return malformed(problem);
  // The shape check above vouches for the fields the rest of the core reads.
  return parsed as unknown as KnownServerMessage;
}

/**
 * Decodes one text frame. Known types with a usable shape are `message`; well-formed frames of a
 * type this code does not know are `unknown` (kept and counted, never fatal); everything else is
 * `malformed` with a short fixed reason. Never throws.
 */
export function decodeText(raw: string): DecodedText {
  const r = decodeTextFrame(raw);
  return r instanceof TextProblem ? r.decoded : { kind: 'message', message: r };
}

function unknownBinary(event: number, length: number): BinaryFrame {
  return { kind: 'unknown_binary', event, bytes: length };
}

function readMetadata(bytes: Uint8Array, start: number, end: number): PreviewMetadata | undefined {
  let meta: unknown;
  try {
    meta = JSON.parse(decodeUtf8(bytes.subarray(start, end)));
  } catch {
    return undefined;
  }
  if (!isObject(meta) || typeof meta.prompt_id !== 'string' || typeof meta.node_id !== 'string') return undefined;
  return meta as unknown as PreviewMetadata;
}

/**
 * Decodes one binary frame (§2.2): `uint32 BE event`, then the event's payload. Event types 1
 * (preview), 3 (text) and 4 (preview with metadata) are understood; any other event type, and a
 * known type whose header is truncated or inconsistent, is `unknown_binary` with its event number;
 * a frame shorter than the 4-byte event header is `unknown_binary` with event -1. Never throws.
 */
export function decodeBinary(bytes: Uint8Array): BinaryFrame {
  const length = bytes.byteLength;
  if (length < 4) return unknownBinary(-1, length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const event = view.getUint32(0, false);
  if (event === 1) {
    if (length < 8) return unknownBinary(event, length);
    const code = view.getUint32(4, false);
    const format = code === 1 ? 'jpeg' : code === 2 ? 'png' : 'unknown';
    return { kind: 'preview', event: 1, format, imageBytes: length - 8 };
  }
  if (event === 3) {
    if (length < 8) return unknownBinary(event, length);
    const nodeLength = view.getUint32(4, false);
    if (8 + nodeLength > length) return unknownBinary(event, length);
    const nodeId = decodeUtf8(bytes.subarray(8, 8 + nodeLength));
    const text = decodeUtf8(bytes.subarray(8 + nodeLength));
    return { kind: 'text', event: 3, nodeId, text };
  }
  if (event === 4) {
    if (length < 8) return unknownBinary(event, length);
    const metaLength = view.getUint32(4, false);
    if (8 + metaLength > length) return unknownBinary(event, length);
    const metadata = readMetadata(bytes, 8, 8 + metaLength);
    if (metadata === undefined) return unknownBinary(event, length);
    return { kind: 'preview_with_metadata', event: 4, metadata, imageBytes: length - 8 - metaLength };
  }
  return unknownBinary(event, length);
}

// The brief places the counters with the decoder; they live in their own file (one concern each)
// and are re-exported here so either import path works.
export { DecodeStats } from './decode-stats.js';
export type { DecodeStatsSnapshot } from './decode-stats.js';
