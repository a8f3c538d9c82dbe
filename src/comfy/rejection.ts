/**
 * Reading a refused `POST /prompt` (protocol reference §1, §3.6) into an error kind and message.
 * Bodies vary by version and failure: the structured `{error: {type, …}, node_errors}` (since
 * 2025-04-09), the older `{error: "no prompt", node_errors: []}`, and non-JSON text (aiohttp's
 * plain-text 500, a proxy's page).
 */
import type { PromptErrorResponse } from './http-types.js';

/** Longest rejection message kept (bodies can carry whole tracebacks). */
export const MAX_REJECTION_MESSAGE = 200;

/** The kind and message of a rejection; `errorType` becomes the outcome `rejected:<errorType>`. */
export interface RejectionInfo {
  errorType: string;
  message: string;
}

/** Lower-case slug for error kinds sent as free text (`"no prompt"` → `no_prompt`). */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
}

function parseErrorBody(body: string): PromptErrorResponse | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) return parsed as PromptErrorResponse;
  } catch {
    // Not JSON: the caller falls back to the HTTP status.
  }
  return undefined;
}

/**
 * `error.type` when the body has one; a slug of the old string form; else `http_<status>`.
 * A string body is parsed first, so callers may pass the raw text of any reply. Never throws.
 */
export function describeRejection(status: number, body: PromptErrorResponse | string): RejectionInfo {
  const parsed = typeof body === 'string' ? parseErrorBody(body) : body;
  let errorType = `http_${status}`;
  let message = typeof body === 'string' ? body : '';
  const error: unknown = parsed?.error;
  if (typeof error === 'string') {
    errorType = slug(error) || errorType;
    message = error;
  } else if (typeof error === 'object' && error !== null) {
    const { type, message: text } = error as { type?: unknown; message?: unknown };
    if (typeof type === 'string' && type !== '') errorType = type;
    if (typeof text === 'string') message = text;
  }
  return { errorType, message: message.slice(0, MAX_REJECTION_MESSAGE) };
}
