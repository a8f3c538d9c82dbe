/**
 * `--cache-mode audit`: an anti-cache check in the spirit of MLPerf's TEST04. One prompt primes
 * the server, then K identical copies of it and K varied prompts (new seeds, prompt-file text)
 * run one at a time. Identical prompts show what ComfyUI's output cache saves; a varied prompt
 * whose varied nodes were served from cache means the benchmark would measure the cache, not the
 * GPU, and the audit fails.
 */
import { DecodeStats } from '../comfy/decode-stats.js';
import type { ApiWorkflow } from '../comfy/http-types.js';
import { canonicalJson } from '../comfy/workflow.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { VirtualUser } from './virtual-user.js';

export interface CacheAuditSide {
  /** POST sent → completion, per prompt (ms). */
  completionMs: number[];
  medianMs: number;
  /** Prompts served entirely from cache (outcome `cached`). */
  fullyCached: number;
  /** Prompts whose varied nodes (the ones the harness changed) were served from cache. */
  variedNodesCached: number;
  /** Prompts that ended in an error, timeout or other non-ok outcome. */
  failed: number;
}

export interface CacheAuditResult {
  samples: number;
  identical: CacheAuditSide;
  varied: CacheAuditSide;
  /** varied median / identical median: how much faster the cache made identical prompts. */
  speedup: number;
  /** True when no varied prompt was served from cache (and every audit prompt ran). */
  passed: boolean;
  /** One line for the console and the results. */
  verdict: string;
}

export interface CacheAuditOptions {
  template: ApiWorkflow;
  /** The next varied graph, as the run would send it. */
  nextVaried: () => ApiWorkflow;
  samples: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

export async function runCacheAudit(http: ComfyHttp, clock: Clock, options: CacheAuditOptions): Promise<CacheAuditResult> {
  const user = new VirtualUser(http, clock, new DecodeStats(), options.onWarning ?? (() => undefined));
  const nodeIds = Object.keys(options.template);
  const submit = async (graph: ApiWorkflow): Promise<{ ms: number; outcome: string; cachedNodes: string[] }> => {
    const { tracker } = await user.submit({
      graph,
      nodeIds,
      timeoutMs: options.timeoutMs,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    const m = tracker.marks;
    return { ms: (m.completedMs ?? Number.NaN) - (m.sentMs ?? Number.NaN), outcome: m.outcome ?? 'lost', cachedNodes: m.cachedNodes };
  };
  await user.open();
  try {
    await submit(options.template);
    const identical: Awaited<ReturnType<typeof submit>>[] = [];
    for (let i = 0; i < options.samples; i++) identical.push(await submit(options.template));
    const varied: { ms: number; outcome: string; cachedNodes: string[]; changed: string[] }[] = [];
    for (let i = 0; i < options.samples; i++) {
      const graph = options.nextVaried();
      varied.push({ ...(await submit(graph)), changed: changedNodes(options.template, graph) });
    }
    return summarise(
      identical.map((r) => ({ ...r, changed: nodeIds })),
      varied,
    );
  } finally {
    await user.close();
  }
}

/** Nodes whose inputs differ between two graphs: the ones the cache must not serve. */
export function changedNodes(a: ApiWorkflow, b: ApiWorkflow): string[] {
  return Object.keys(b).filter((id) => a[id] === undefined || canonicalJson(a[id]!.inputs) !== canonicalJson(b[id]!.inputs));
}

interface Sample {
  ms: number;
  outcome: string;
  cachedNodes: string[];
  changed: string[];
}

function side(samples: Sample[]): CacheAuditSide {
  const ok = samples.filter((s) => s.outcome === 'ok' || s.outcome === 'cached');
  const completionMs = ok.map((s) => s.ms).filter(Number.isFinite);
  return {
    completionMs,
    medianMs: median(completionMs),
    fullyCached: samples.filter((s) => s.outcome === 'cached').length,
    variedNodesCached: samples.filter((s) => s.outcome === 'cached' || s.changed.length === 0 || s.changed.some((id) => s.cachedNodes.includes(id))).length,
    failed: samples.length - ok.length,
  };
}

/** The verdict from the two sides; exported for tests. */
export function summarise(identicalSamples: Sample[], variedSamples: Sample[]): CacheAuditResult {
  const identical = side(identicalSamples);
  const varied = side(variedSamples);
  const speedup = identical.medianMs > 0 ? varied.medianMs / identical.medianMs : Number.POSITIVE_INFINITY;
  const samples = variedSamples.length;
  const noChange = variedSamples.some((s) => s.changed.length === 0);
  const x = Number.isFinite(speedup) ? `×${speedup.toFixed(speedup < 10 ? 2 : 0)}` : '×∞';
  const numbers = `identical prompts ${identical.medianMs.toFixed(1)} ms median (${identical.fullyCached} of ${samples} fully cached), varied ${varied.medianMs.toFixed(1)} ms (${varied.variedNodesCached} of ${samples} served from cache): cache speed-up ${x}`;
  let verdict: string;
  let passed = false;
  if (varied.failed > 0 || identical.failed > 0) {
    verdict = `cache audit inconclusive: ${varied.failed + identical.failed} audit prompts failed; ${numbers}`;
  } else if (varied.variedNodesCached > 0) {
    verdict = noChange
      ? `cache audit FAILED: the varied prompts are identical to the template (no seed or text input to vary), so ComfyUI serves them from cache; ${numbers}`
      : `cache audit FAILED: ${varied.variedNodesCached} of ${samples} varied prompts were served from ComfyUI's cache, so the benchmark would measure the cache, not the GPU; ${numbers}`;
  } else {
    passed = true;
    verdict =
      identical.fullyCached === 0
        ? `cache audit passed: the server did not serve identical prompts from cache (caching off, e.g. --cache-none); ${numbers}`
        : `cache audit passed: varied prompts defeat the cache; ${numbers}`;
  }
  return { samples, identical, varied, speedup, passed, verdict };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
