/**
 * Parsers of the secret-bearing and key/value options of `run`: --url, --header, --label.
 *
 * Secrets (URL userinfo, header values) are moved out of anything that is printed or written to
 * results: a URL keeps only scheme, host, port and path; its credentials become an
 * `Authorization: Basic` header, kept apart in TargetSpec.headers. Messages never echo them.
 */
import type { TargetSpec } from '../harness/load-plan.js';
import type { ParseContext } from './option-table.js';
import { expected } from './value-parsers.js';

const URL_FIX = 'http://127.0.0.1:8188';

/** Parse one --url into a credential-free base URL and the headers its userinfo implies. */
export function parseTargetUrl(raw: unknown, ctx: ParseContext): TargetSpec {
  const what = 'an http:// or https:// URL';
  if (typeof raw !== 'string' || raw.trim() === '') return expected(ctx, what, raw, URL_FIX, { code: 'COMFYLOAD_ERR_BAD_URL' });
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const noScheme = !/^[a-z][a-z0-9+.-]*:/i.test(value);
    return expected(ctx, what, redactUrlText(value), noScheme ? `http://${redactUrlText(value)}` : URL_FIX, {
      code: 'COMFYLOAD_ERR_BAD_URL',
      ...(noScheme ? { hint: `add the scheme, e.g. ${ctx.example(`http://${redactUrlText(value)}`)}` } : {}),
    });
  }
  const shown = redactUrl(url);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') {
    const http = `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
    expected(ctx, what, shown, http, {
      code: 'COMFYLOAD_ERR_BAD_URL',
      hint: `pass the server's HTTP address, e.g. ${ctx.example(http)}; comfyload submits prompts over HTTP (POST /prompt) and opens the event socket (${url.protocol}//…/ws) itself, one per virtual user.`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') expected(ctx, what, shown, URL_FIX, { code: 'COMFYLOAD_ERR_BAD_URL' });
  if (url.search !== '' || url.hash !== '') {
    const base = `${url.protocol}//${url.host}${url.pathname}`;
    expected(ctx, `${what} without query or fragment`, shown, base.replace(/\/$/, ''), {
      code: 'COMFYLOAD_ERR_BAD_URL',
      hint: `drop the \`${url.search}${url.hash}\` part, e.g. ${ctx.example(base.replace(/\/$/, ''))}; pass tokens with --header 'Authorization: Bearer …', which is never written to results.`,
    });
  }
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  const base = `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
  return { url: base, headers };
}

/** The URL as it may be printed: userinfo replaced by `***`. */
export function redactUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}

/** Redact `user:pass@` in a string that did not parse as a URL. */
function redactUrlText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i, (_, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** RFC 9110 token: the characters allowed in a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` → [name, value]. The value is a secret (tokens): only its length is ever shown. */
export function parseHeader(raw: unknown, ctx: ParseContext): [string, string] {
  const what = 'a header `Name: value`';
  const fix = 'Authorization: Bearer <token>';
  if (typeof raw !== 'string') return expected(ctx, what, raw, fix, { secret: true });
  const colon = raw.indexOf(':');
  const name = colon < 0 ? '' : raw.slice(0, colon).trim();
  const value = colon < 0 ? '' : raw.slice(colon + 1).trim();
  if (colon < 0 || !HEADER_NAME.test(name)) {
    return expected(ctx, what, raw, fix, { secret: true, hint: `write the name, a colon, then the value, e.g. ${ctx.example(fix)}` });
  }
  if (/[\r\n\0]/.test(value)) return expected(ctx, `${what} without line breaks`, raw, fix, { secret: true });
  return [name, value];
}

/** Label keys name columns in results: letters, digits, `_`, `.`, `-`. */
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `key=value` → [key, value]. */
export function parseLabel(raw: unknown, ctx: ParseContext): [string, string] {
  const what = 'a label `key=value` (key: letters, digits, `_`, `.`, `-`)';
  const fix = 'gpu=rtx-4090';
  if (typeof raw !== 'string') return expected(ctx, what, raw, fix);
  const eq = raw.indexOf('=');
  const key = eq < 0 ? '' : raw.slice(0, eq).trim();
  if (eq < 0 || !LABEL_KEY.test(key)) return expected(ctx, what, raw, fix);
  const value = raw.slice(eq + 1).trim();
  if (/[\r\n]/.test(value)) return expected(ctx, `${what} without line breaks`, raw, fix);
  return [key, value];
}

/** Config files may write labels and headers as a mapping; turn an entry back into its flag form. */
export function labelFromEntry(key: string, value: unknown): string {
  return `${key}=${value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
}

export function headerFromEntry(key: string, value: unknown): string {
  return `${key}: ${typeof value === 'string' ? value : String(value)}`;
}
