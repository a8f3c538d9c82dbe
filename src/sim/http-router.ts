/**
 * Routing and the middlewares of ComfyUI's aiohttp app: every route also under `/api` (except
 * `/internal/*`), the loopback Origin check (403, empty body) or — with `--enable-cors-header` —
 * CORS headers, OPTIONS answered empty, and any exception escaping a handler turned into
 * aiohttp's plain-text 500 (413 for an oversized body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, HttpFail, readBody, sendEmpty, sendInternalError, sendMethodNotAllowed, sendNotFound, sendText } from './http-util.js';

export interface RouteCtx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The request body, capped at the upload limit (throws BodyTooLarge). */
  body(): Promise<Buffer>;
}

export type RouteHandler = (ctx: RouteCtx) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export interface RouterOptions {
  maxBodyBytes: number;
  /** false = Origin check on; true/'*' or an origin = CORS headers instead. */
  cors: boolean | string;
  /** Fault seam: called once a route matched; may delay, or throw to fail the request. */
  beforeHandle?: (path: string) => Promise<void>;
}

export class HttpRouter {
  readonly #routes: Route[] = [];
  readonly #opts: RouterOptions;

  constructor(opts: RouterOptions) {
    this.#opts = opts;
  }

  /** Registers `path` and, unless it is internal, `/api` + path. `{name}` matches one segment. */
  add(method: 'GET' | 'POST' | 'DELETE', path: string, handler: RouteHandler, alias = !path.startsWith('/internal')): void {
    for (const p of alias ? [path, `/api${path}`] : [path]) {
      const keys: string[] = [];
      const source = p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, k: string) => {
        keys.push(k);
        return '([^/{}]+)';
      });
      this.#routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    }
  }

  /** True when a ws upgrade (or any request) passes the Origin rule. */
  originAllowed(req: IncomingMessage): boolean {
    if (this.#opts.cors !== false) return true;
    return originOk(req.headers.host, req.headers.origin);
  }

  /** The `request` listener of the node:http server. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.originAllowed(req)) {
        req.resume();
        sendEmpty(res, 403);
        return;
      }
      this.#corsHeaders(res);
      if (req.method === 'OPTIONS') {
        req.resume();
        sendEmpty(res, 200);
        return;
      }
      const url = new URL(req.url ?? '/', 'http://emulator.invalid');
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const matches = this.#routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x): x is { r: Route; m: RegExpExecArray } => x.m !== null);
      const hit = matches.find((x) => x.r.method === method);
      if (hit === undefined) {
        req.resume();
        if (matches.length > 0) sendMethodNotAllowed(res, [...new Set(matches.map((x) => x.r.method))]);
        else sendNotFound(res);
        return;
      }
      const params: Record<string, string> = {};
      hit.r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(hit.m[i + 1] ?? '');
      });
      await this.#opts.beforeHandle?.(url.pathname);
      let bodyPromise: Promise<Buffer> | undefined;
      const body = (): Promise<Buffer> => (bodyPromise ??= readBody(req, this.#opts.maxBodyBytes));
      await hit.r.handler({ req, res, url, params, body });
      if (bodyPromise === undefined) req.resume();
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
      } else if (e instanceof BodyTooLarge) {
        sendText(res, 413, e.message);
      } else if (e instanceof HttpFail && e.status !== 500) {
        sendText(res, e.status, e.message);
      } else {
        sendInternalError(res);
      }
    }
  }

  #corsHeaders(res: ServerResponse): void {
    const c = this.#opts.cors;
    if (c === false) return;
    res.setHeader('Access-Control-Allow-Origin', c === true ? '*' : c);
    res.setHeader('Access-Control-Allow-Methods', 'POST, GET, DELETE, PUT, OPTIONS, PATCH');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
}

/**
 * `create_origin_only_middleware`: only when Host is a loopback name and Origin is present, their
 * host[:port] must match (ports compared only when both carry one).
 */
export function originOk(host: string | undefined, origin: string | undefined): boolean {
  if (host === undefined || origin === undefined) return true;
  let originHost: string;
  let originPort: string;
  try {
    const u = new URL(origin);
    originHost = u.hostname.toLowerCase();
    originPort = u.port;
  } catch {
    return true; // urlparse of garbage yields no netloc: the check is skipped
  }
  let h: URL;
  try {
    h = new URL(`http://${host.toLowerCase()}`);
  } catch {
    return true;
  }
  if (!isLoopback(h.hostname)) return true;
  const hostDomain = originPort === '' ? h.hostname : h.host;
  const originDomain = h.port === '' ? originHost : originPort === '' ? originHost : `${originHost}:${originPort}`;
  if (hostDomain === '' || originDomain === '') return true;
  return hostDomain === originDomain;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
