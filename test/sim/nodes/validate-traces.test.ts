/**
 * The recorded 0.3.64 400 bodies, fed back through the emulator's validator. Only the Python
 * traceback text (file paths and line numbers of the real server) is not compared.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validatePrompt } from '../../../src/sim/nodes/validate.js';
import { fixtureObjectInfo, readJson } from './helpers.js';

interface Variant {
  case: string;
  request: Record<string, unknown>;
  status: number;
  response: unknown;
}

/** Drops `traceback` (upstream paths and line numbers) wherever it appears. */
function withoutTracebacks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTracebacks);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'traceback')
      .map(([k, v]) => [k, withoutTracebacks(v)]),
  );
}

/** Error order inside a node follows a Python set upstream; sort both sides by input name. */
function sortNodeErrors(body: unknown): unknown {
  const b = structuredClone(body) as { node_errors: Record<string, { errors: { details: string }[] }> };
  for (const ne of Object.values(b.node_errors)) ne.errors.sort((x, y) => x.details.localeCompare(y.details));
  return b;
}

describe('validatePrompt against recorded 0.3.64 responses', () => {
  const objectInfo = fixtureObjectInfo();
  const variants = readJson<Variant[]>('test/traces/real-prompt-400-variants.json');

  it.each(variants.map((v) => [v.case, v] as const))('%s', (_name, variant) => {
    // The "no prompt" case posts a body without `prompt`: the server hands validation nothing.
    const prompt = 'client_id' in variant.request ? undefined : variant.request;
    const result = validatePrompt(prompt, objectInfo);
    expect(variant.status).toBe(400);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(sortNodeErrors(withoutTracebacks(result.body))).toStrictEqual(sortNodeErrors(withoutTracebacks(variant.response)));
  });

  it('reproduces real-prompt-400.json from the first variant request', () => {
    const recorded = readJson('test/traces/real-prompt-400.json');
    const request = variants[0]?.request;
    const result = validatePrompt(request, objectInfo);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(sortNodeErrors(result.body)).toStrictEqual(sortNodeErrors(recorded));
  });

  it('gives a traceback list for exceptions, as upstream does', () => {
    const result = validatePrompt(variants.find((v) => v.case === 'link to missing node')?.request, objectInfo);
    if (result.ok) throw new Error('expected a rejection');
    const errors = (result.body.node_errors as Record<string, { errors: { extra_info: { traceback?: unknown } }[] }>)['9']?.errors;
    expect(Array.isArray(errors?.[0]?.extra_info.traceback)).toBe(true);
  });

  it('accepts every graph the recorded server accepted', () => {
    const traces = ['real-trace-core', 'real-trace-error', 'real-trace-fake-sampler', 'real-trace-previews', 'real-trace-queue3'];
    for (const name of traces) {
      const lines = readFileSync(new URL(`../../traces/${name}.jsonl`, import.meta.url), 'utf8')
        .split('\n')
        .filter(Boolean);
      for (const line of lines) {
        const rec = JSON.parse(line) as {
          kind: string;
          method?: string;
          path?: string;
          request?: { prompt: unknown };
          status?: number;
          response?: { node_errors: unknown };
        };
        if (rec.kind !== 'http' || rec.method !== 'POST' || rec.path !== '/prompt' || rec.status !== 200) continue;
        const result = validatePrompt(rec.request?.prompt, objectInfo);
        expect(result.ok, `${name}: ${JSON.stringify(rec.request?.prompt)}`).toBe(true);
        if (result.ok) expect(result.nodeErrors).toEqual(rec.response?.node_errors);
      }
    }
  });
});
