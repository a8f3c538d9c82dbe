/**
 * Loading and replaying the recorded ComfyUI 0.3.64 traces (test/traces) through the real
 * SessionRouter + PromptTracker, exactly as the engine would feed them: text frames as strings,
 * binary frames as bytes, each with its recorded receive time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PromptTracker } from '../../../src/comfy/prompt-tracker.js';
import { SessionRouter } from '../../../src/comfy/session-router.js';
import type { DecodeStats } from '../../../src/comfy/decode-stats.js';
import type { PromptRequest, PromptResponse } from '../../../src/comfy/http-types.js';
import type { StepMark } from '../../../src/comfy/marks.js';
import type { PreviewMetadata } from '../../../src/comfy/messages.js';

/** test/traces, resolved from this file so a fresh clone finds it from any working directory. */
export const TRACES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'traces');

export type TraceLine =
  | { kind: 'note'; t_ms: number; text: string; client_id?: string }
  | { kind: 'ws'; t_ms: number; msg: { type: string; data: Record<string, unknown> } }
  | { kind: 'ws_sent'; t_ms: number; msg: unknown }
  | { kind: 'ws_binary'; t_ms: number; event: number; bytes: number; head_hex: string; metadata?: PreviewMetadata }
  | { kind: 'http'; t_ms: number; method: string; path: string; request: unknown; status: number; response: unknown };

export function traceFiles(): string[] {
  return readdirSync(TRACES_DIR)
    .filter((f) => /^real-trace-.*\.jsonl$/.test(f))
    .sort();
}

export function readTrace(file: string): TraceLine[] {
  return readFileSync(join(TRACES_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(TRACES_DIR, file), 'utf8')) as T;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Rebuilds a binary frame of the recorded total length. Type 4 gets its real metadata JSON with
 * the meta_len written for it; other types keep the recorded head bytes; the rest is filler.
 */
export function synthesiseFrame(line: Extract<TraceLine, { kind: 'ws_binary' }>): Uint8Array {
  const frame = new Uint8Array(line.bytes);
  const view = new DataView(frame.buffer);
  if (line.event === 4 && line.metadata !== undefined) {
    const meta = new TextEncoder().encode(JSON.stringify(line.metadata));
    view.setUint32(0, 4, false);
    view.setUint32(4, meta.length, false);
    frame.set(meta, 8);
  } else {
    frame.set(hexBytes(line.head_hex).subarray(0, Math.min(line.bytes, line.head_hex.length / 2)), 0);
  }
  return frame;
}

export interface ReplayedPrompt {
  tracker: PromptTracker;
  request: PromptRequest;
  response: PromptResponse;
}

export interface Replay {
  router: SessionRouter;
  prompts: ReplayedPrompt[];
  clientId: string;
  binaryFrames: number;
  stepsSeen: StepMark[];
  doneOrder: string[];
}

function isPromptPost(l: TraceLine): l is Extract<TraceLine, { kind: 'http' }> {
  return l.kind === 'http' && l.method === 'POST' && l.path === '/prompt' && l.status === 200;
}

/**
 * Replays one trace. As the engine would with a client-chosen prompt_id, every prompt's tracker is
 * registered before the replay starts, so events that precede the POST reply find it. The
 * recorder logged only the reply's receipt time, so the send time is taken as the earlier of the
 * reply and the prompt's first event: the latest moment the POST can have been written.
 */
export function replayTrace(file: string, stats?: DecodeStats): Replay {
  const lines = readTrace(file);
  const sid = lines.find((l) => l.kind === 'ws' && l.msg.type === 'status' && typeof l.msg.data.sid === 'string');
  const clientId = sid?.kind === 'ws' ? String(sid.msg.data.sid) : 'unknown';
  const stepsSeen: StepMark[] = [];
  const doneOrder: string[] = [];
  const router = new SessionRouter({
    clientId,
    ...(stats ? { stats } : {}),
    onStep: (_t, step) => stepsSeen.push(step),
    onPromptDone: (t) => doneOrder.push(t.promptId),
  });
  const prompts: ReplayedPrompt[] = [];
  for (const line of lines.filter(isPromptPost)) {
    const request = line.request as PromptRequest;
    const response = line.response as PromptResponse;
    const firstEvent = lines.find((l) => l.kind === 'ws' && l.msg.data.prompt_id === response.prompt_id);
    const tracker = new PromptTracker({ promptId: response.prompt_id, clientId, nodeIds: Object.keys(request.prompt) });
    tracker.markSent(Math.min(line.t_ms, firstEvent?.t_ms ?? line.t_ms));
    router.track(tracker);
    prompts.push({ tracker, request, response });
  }
  let binaryFrames = 0;
  for (const line of lines) {
    if (line.kind === 'ws') {
      router.onText(JSON.stringify(line.msg), line.t_ms);
    } else if (line.kind === 'ws_binary') {
      binaryFrames += 1;
      router.onBinary(synthesiseFrame(line), line.t_ms);
    } else if (isPromptPost(line)) {
      router.markAck((line.response as PromptResponse).prompt_id, line.t_ms, line.response as PromptResponse);
    }
  }
  return { router, prompts, clientId, binaryFrames, stepsSeen, doneOrder };
}

/** The ws messages of a trace, in order. */
export function wsMessages(file: string): { type: string; data: Record<string, unknown>; t_ms: number }[] {
  return readTrace(file).flatMap((l) => (l.kind === 'ws' ? [{ ...l.msg, t_ms: l.t_ms }] : []));
}
