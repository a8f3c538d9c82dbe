/**
 * HTTP side of one ComfyUI target. Sends no `Origin` header (ComfyUI answers 403 to a mismatched
 * one). Only idempotent GETs are retried; a POST /prompt is sent exactly once.
 *
 * Requests go through node:http(s) with a keep-alive agent of this target, not `fetch`: undici's
 * fetch (WHATWG streams for every body) cost ~2.8 ms of main-thread CPU per prompt at c=64, the
 * largest item of the harness's profile (bench/README.md, Scale).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type {
  HistoryResponse,
  ObjectInfo,
  PromptErrorResponse,
  PromptQueueInfo,
  PromptRequest,
  PromptResponse,
  QueueResponse,
  SystemStats,
} from '../comfy/http-types.js';
import type { TargetSpec } from './load-plan.js';
import { ComfyloadError } from '../comfy/errors.js';
import { sleep } from './clock.js';

export type PostPromptResult = { ok: true; status: number; body: PromptResponse } | { ok: false; status: number; body: PromptErrorResponse | string };

export interface ComfyHttpOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retries of idempotent GETs on network errors and 5xx. */
  getRetries?: number;
}

export class ComfyHttp {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #getRetries: number;
  readonly #url: URL;
  readonly #request: typeof httpRequest;
  /**
   * Keep-alive like fetch's pool; an idle socket is closed after 4 s, before the 5 s idle timeout
   * of Node's and uvicorn's servers can close it under a request (a POST is never retried).
   */
  readonly #agent: HttpAgent;

  constructor(target: TargetSpec, options: ComfyHttpOptions = {}) {
    this.baseUrl = target.url.replace(/\/+$/, '');
    this.#headers = target.headers;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#getRetries = options.getRetries ?? 2;
    this.#url = new URL(this.baseUrl);
    const https = this.#url.protocol === 'https:';
    this.#request = https ? (httpsRequest as typeof httpRequest) : httpRequest;
    const agentOptions = { keepAlive: true, timeout: 4000, scheduling: 'lifo' as const };
    this.#agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  /** The socket URL for a clientId: http→ws, https→wss. */
  wsUrl(clientId: string): string {
    const u = new URL(this.baseUrl + '/ws');
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('clientId', clientId);
    return u.toString();
  }

  get headers(): Readonly<Record<string, string>> {
    return this.#headers;
  }

  async postPrompt(request: PromptRequest): Promise<PostPromptResult> {
    const res = await this.#fetch('POST', '/prompt', JSON.stringify(request));
    const text = await res.text();
    const body = parseJsonOr(text);
    if (res.status === 200 && isPromptResponse(body)) return { ok: true, status: 200, body };
    return { ok: false, status: res.status, body: (body as PromptErrorResponse | undefined) ?? text };
  }

  systemStats(): Promise<SystemStats> {
    return this.getJson<SystemStats>('/system_stats');
  }

  objectInfo(): Promise<ObjectInfo> {
    return this.getJson<ObjectInfo>('/object_info');
  }

  history(promptId: string): Promise<HistoryResponse> {
    return this.getJson<HistoryResponse>(`/history/${encodeURIComponent(promptId)}`);
  }

  queueInfo(): Promise<PromptQueueInfo> {
    return this.getJson<PromptQueueInfo>('/prompt');
  }

  /** `GET /queue`: every running and pending item with its whole graph — expensive, only to tell a vanished prompt from a queued one. */
  queue(): Promise<QueueResponse> {
    return this.getJson<QueueResponse>('/queue');
  }

  /** Removes our own pending prompts; the running one is untouched (ComfyUI semantics). */
  async deletePending(promptIds: string[]): Promise<void> {
    if (promptIds.length === 0) return;
    const res = await this.#fetch('POST', '/queue', JSON.stringify({ delete: promptIds }));
    await res.arrayBuffer();
  }

  /** Interrupts only if this prompt is the one running: never a global interrupt. */
  async interruptPrompt(promptId: string): Promise<void> {
    const res = await this.#fetch('POST', '/interrupt', JSON.stringify({ prompt_id: promptId }));
    await res.arrayBuffer();
  }

  /** Downloads a file through /view; returns its bytes. */
  async view(file: { filename: string; subfolder: string; type: string }): Promise<Uint8Array> {
    const q = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
    const res = await this.#getWithRetry(`/view?${q.toString()}`);
    if (res.status !== 200) {
      await res.arrayBuffer();
      throw new ComfyloadError('COMFYLOAD_ERR_OUTPUT_FETCH', `GET /view for ${file.filename} answered ${res.status}`, {
        hint: 'Check that the output file still exists on the server.',
      });
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await this.#getWithRetry(path);
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new ComfyloadError('COMFYLOAD_ERR_TARGET_AUTH', `GET ${path} on ${this.baseUrl} answered ${res.status}`, {
        hint: 'Pass credentials with --header "Authorization: Bearer <token>" or user:password@ in --url; a 403 from ComfyUI itself means a mismatched Origin header from a proxy.',
      });
    }
    if (res.status !== 200) {
      throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `GET ${path} on ${this.baseUrl} answered ${res.status}`, {
        hint: 'Check that --url points at a ComfyUI server (its /system_stats must answer 200).',
      });
    }
    const body = parseJsonOr(text);
    if (body === undefined) {
      throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `GET ${path} on ${this.baseUrl} did not answer JSON (got ${JSON.stringify(text.slice(0, 60))})`, {
        hint: 'Check that --url points at a ComfyUI server, not a proxy login page or another web app.',
      });
    }
    return body as T;
  }

  async #getWithRetry(path: string): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.#fetch('GET', path);
        if (res.status >= 500 && attempt < this.#getRetries) {
          await res.arrayBuffer();
          await sleep(100 * 2 ** attempt);
          continue;
        }
        return res;
      } catch (err) {
        if (attempt >= this.#getRetries) throw err;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  async #fetch(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    const headers: Record<string, string> = { ...this.#headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    try {
      return await this.#send(method, path, headers, body);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // A name that does not resolve is a typo or DNS, not a server to start.
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        const host = new URL(this.baseUrl).hostname;
        throw new ComfyloadError(
          'COMFYLOAD_ERR_TARGET_UNREACHABLE',
          `${method} ${path} on ${this.baseUrl} failed: the host name \`${host}\` did not resolve (${code})`,
          {
            hint: `Check the spelling of \`${host}\` in --url, or use its IP address; the name is unknown to DNS and /etc/hosts on this machine.`,
            cause: err,
          },
        );
      }
      throw new ComfyloadError('COMFYLOAD_ERR_TARGET_UNREACHABLE', `${method} ${path} on ${this.baseUrl} failed: ${describeFetchError(err)}`, {
        hint: 'Start ComfyUI (or `comfyload sim`) and check the host and port in --url; omit --url to use the built-in emulator.',
        cause: err,
      });
    }
  }

  /** One request, its whole body read; rejects on a network error or after the timeout (the whole exchange, like fetch's AbortSignal.timeout). */
  #send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined): Promise<Reply> {
    const u = this.#url;
    return new Promise((resolve, reject) => {
      const req = this.#request({
        protocol: u.protocol,
        hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
        port: u.port,
        path: u.pathname.replace(/\/+$/, '') + path,
        method,
        headers,
        agent: this.#agent,
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), this.#timeoutMs);
      timer.unref();
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      req.once('error', fail);
      req.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', fail);
        // A connection cut inside the body.
        res.once('close', () => res.complete || fail(Object.assign(new Error('the connection closed inside the response'), { code: 'ECONNRESET' })));
        res.once('end', () => {
          clearTimeout(timer);
          resolve(new Reply(res.statusCode ?? 0, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
        });
      });
      req.end(body);
    });
  }
}

/** A whole HTTP answer: the part of fetch's Response the callers read. */
class Reply {
  constructor(
    readonly status: number,
    readonly bytes: Buffer,
  ) {}

  /** UTF-8, a leading BOM dropped (as fetch's text()). */
  text(): Promise<string> {
    const b = this.bytes;
    const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
    return Promise.resolve(b.toString('utf8', bom ? 3 : 0));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.bytes;
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPromptResponse(body: unknown): body is PromptResponse {
  return typeof body === 'object' && body !== null && typeof (body as { prompt_id?: unknown }).prompt_id === 'string';
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  return (err as { code?: string }).code ?? err.message;
}
