/**
 * HTTP plumbing with aiohttp's exact answers: JSON in Python's formatting, empty bodies as
 * `application/octet-stream`, the plain-text 500/404/405/413 bodies, and body reading with the
 * `--max-upload-size` cap on every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pyDumps } from './py-json.js';

const SERVER_HEADER = 'Python/3.12 aiohttp/3.12.15';

/** Thrown by handlers for an uncaught-exception answer (aiohttp's plain-text 500). */
export class HttpFail extends Error {
  readonly status: number;
  constructor(status: number, reason: string) {
    super(reason);
    this.status = status;
  }
}

/** The body exceeded the limit: aiohttp's HTTPRequestEntityTooLarge. */
export class BodyTooLarge extends Error {
  readonly maxBytes: number;
  readonly actualBytes: number;
  constructor(maxBytes: number, actualBytes: number) {
    super(`Maximum request body size ${maxBytes} exceeded, actual body size ${actualBytes}`);
    this.maxBytes = maxBytes;
    this.actualBytes = actualBytes;
  }
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('Server', SERVER_HEADER);
}

export function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const body = Buffer.from(pyDumps(data), 'utf8');
  baseHeaders(res);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** `web.Response(status=N)`: empty body. */
export function sendEmpty(res: ServerResponse, status = 200): void {
  baseHeaders(res);
  res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 });
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text, 'utf8');
  baseHeaders(res);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

export function sendBytes(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>): void {
  baseHeaders(res);
  res.writeHead(status, { ...headers, 'Content-Length': body.length });
  res.end(body);
}

/** aiohttp's answer to an exception escaping a handler. */
export function sendInternalError(res: ServerResponse): void {
  sendText(res, 500, '500 Internal Server Error\n\nServer got itself in trouble');
}

export function sendNotFound(res: ServerResponse): void {
  sendText(res, 404, '404: Not Found');
}

export function sendMethodNotAllowed(res: ServerResponse, allowed: string[]): void {
  res.setHeader('Allow', allowed.join(','));
  sendText(res, 405, '405: Method Not Allowed');
}

/** Reads the whole body, failing with {@link BodyTooLarge} as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      reject(new BodyTooLarge(maxBytes, declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new BodyTooLarge(maxBytes, size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** `await request.json()`: Python's json.loads of the body; a decode error is a 500. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpFail(500, 'JSONDecodeError');
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python truthiness of a JSON value. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Python's `int(s)` for a query value: digits with optional sign, spaces and underscores. */
export function pyInt(s: string): number {
  const t = s.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) throw new HttpFail(500, `ValueError: invalid literal for int() with base 10: '${s}'`);
  return Number(t.replace(/_/g, ''));
}
