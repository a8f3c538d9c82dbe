/**
 * Shared helpers of the emulator tests: a recording ws client, JSON requests, trace loading and
 * the normalisation that compares emulator traffic with the recorded 0.3.64 traces.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface Recorded {
  kind: 'ws' | 'binary';
  type: string;
  data: unknown;
  event?: number;
  bytes?: Buffer;
  /** The text frame as sent (checks Python float formatting such as `0.0`). */
  raw?: string;
}

/** A ws client that records every frame, JSON or binary, in arrival order. */
export class Recorder {
  readonly messages: Recorded[] = [];
  readonly ws: WebSocket;
  readonly clientId: string;
  #waiters: { pred: (m: Recorded) => boolean; resolve: (m: Recorded) => void }[] = [];

  private constructor(ws: WebSocket, clientId: string) {
    this.ws = ws;
    this.clientId = clientId;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let rec: Recorded;
      if (isBinary) {
        const event = data.readUInt32BE(0);
        rec = { kind: 'binary', type: `<binary ${event}>`, data: null, event, bytes: Buffer.from(data) };
      } else {
        const raw = data.toString('utf8');
        const m = JSON.parse(raw) as { type: string; data: unknown };
        rec = { kind: 'ws', type: m.type, data: m.data, raw };
      }
      this.messages.push(rec);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(rec)) return true;
        w.resolve(rec);
        return false;
      });
    });
  }

  static async open(baseUrl: string, opts: { clientId?: string | null; featureFlags?: boolean; headers?: Record<string, string> } = {}): Promise<Recorder> {
    const clientId = opts.clientId === undefined ? randomUUID() : opts.clientId;
    const q = clientId === null ? '' : `?clientId=${clientId}`;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws${q}`, { headers: opts.headers ?? {} });
    const rec = new Recorder(ws, clientId ?? '');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (opts.featureFlags === true) ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    await rec.waitFor((m) => m.type === 'status');
    if (opts.featureFlags === true) await rec.waitFor((m) => m.type === 'feature_flags');
    return rec;
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: Recorded) => boolean, timeoutMs = 10_000): Promise<Recorded> {
    const hit = this.messages.find(pred);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting; got ${this.messages.map((m) => m.type).join(',')}`)), timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits for `executing {node: null, prompt_id}`. */
  waitDone(promptId: string, timeoutMs = 10_000): Promise<Recorded> {
    return this.waitFor((m) => m.type === 'executing' && isRecord(m.data) && m.data.node === null && m.data.prompt_id === promptId, timeoutMs);
  }

  /** The messages of one prompt, from its enqueue `status` to its `executing null`. */
  forPrompt(promptId: string): Recorded[] {
    const out: Recorded[] = [];
    for (const m of this.messages) {
      const pid = isRecord(m.data) ? m.data.prompt_id : undefined;
      if (m.kind === 'binary' || m.type === 'status' || pid === promptId || pid === undefined) out.push(m);
      if (m.type === 'executing' && isRecord(m.data) && m.data.node === null && m.data.prompt_id === promptId) break;
    }
    return out;
  }

  close(): void {
    this.ws.close();
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function postJson(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export async function getJson(base: string, path: string): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export interface TraceLine {
  kind: string;
  msg?: { type: string; data: Record<string, unknown> };
  method?: string;
  path?: string;
  request?: unknown;
  response?: unknown;
  status?: number;
  event?: number;
  metadata?: Record<string, unknown>;
}

export function loadTrace(name: string): TraceLine[] {
  const text = readFileSync(new URL(`../traces/real-trace-${name}.jsonl`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}

export function loadTraceJson(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`../traces/${file}`, import.meta.url), 'utf8')) as unknown;
}

/** Value-free skeleton of a JSON value: keys (in order) and types; prompt ids become `<id>`. */
export function skeleton(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(skeleton);
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).map(([k, x]) => [/^[0-9a-f-]{36}$/.test(k) ? '<id>' : k, skeleton(x)]);
  }
  return typeof v;
}

/**
 * One token per message: type, plus the node states of a progress_state, so sequences compare
 * without ids, times or values.
 */
export function token(m: { type: string; data: unknown; event?: number }): string {
  if (m.type.startsWith('<binary')) return m.type;
  if (m.type === 'progress_state' && isRecord(m.data) && isRecord(m.data.nodes)) {
    const states = Object.entries(m.data.nodes).map(([id, n]) => `${id}:${isRecord(n) ? String(n.state) : '?'}`);
    return `progress_state{${states.join(',')}}`;
  }
  if (m.type === 'executing' && isRecord(m.data)) return `executing(${m.data.node === null ? 'null' : String(m.data.node)})`;
  if (m.type === 'executed' && isRecord(m.data)) return `executed(${String(m.data.node)})`;
  return m.type;
}

/** Collapses repeats of the same 1- or 2-token group (step loops of different lengths). */
export function collapse(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    out.push(t);
    const n = out.length;
    if (n >= 2 && out[n - 1] === out[n - 2]) out.pop();
    else if (n >= 4 && out[n - 1] === out[n - 3] && out[n - 2] === out[n - 4]) out.splice(n - 2, 2);
  }
  return out;
}
