/**
 * Micro-benchmark of the per-message hot path: every frame a socket receives is decoded and
 * routed to its prompt's tracker (`SessionRouter.onText`). Measures frames/s for the frames that
 * dominate a run (progress + progress_state per sampler step), the bytes retained per settled
 * prompt, and the bytes allocated per frame by decode + route against JSON.parse alone of the same
 * frames (the goal: nothing per message beyond the decoded JSON). Allocation is read as heapUsed
 * growth over a batch in which no GC ran (a PerformanceObserver of `gc` entries says so; batches
 * with a GC are measured again). Run: `npm run bench -- protocol-core`.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { PromptTracker } from '../src/comfy/prompt-tracker.js';
import { SessionRouter } from '../src/comfy/session-router.js';

const ROUNDS = 7;
const PROMPTS_PER_ROUND = 2_000;
const STEPS = 20;

function promptFrames(promptId: string): string[] {
  const frames: string[] = [];
  frames.push(JSON.stringify({ type: 'execution_start', data: { prompt_id: promptId, timestamp: 1 } }));
  frames.push(JSON.stringify({ type: 'execution_cached', data: { nodes: [], prompt_id: promptId, timestamp: 1 } }));
  frames.push(JSON.stringify({ type: 'executing', data: { node: '3', display_node: '3', prompt_id: promptId } }));
  for (let i = 1; i <= STEPS; i++) {
    frames.push(
      JSON.stringify({
        type: 'progress_state',
        data: {
          prompt_id: promptId,
          nodes: {
            '3': { value: i, max: STEPS, state: 'running', node_id: '3', prompt_id: promptId, display_node_id: '3', parent_node_id: null, real_node_id: '3' },
          },
        },
      }),
    );
    frames.push(JSON.stringify({ type: 'progress', data: { value: i, max: STEPS, prompt_id: promptId, node: '3' } }));
  }
  frames.push(
    JSON.stringify({
      type: 'executed',
      data: { node: '9', display_node: '9', output: { images: [{ filename: 'x.png', subfolder: '', type: 'output' }] }, prompt_id: promptId },
    }),
  );
  frames.push(JSON.stringify({ type: 'execution_success', data: { prompt_id: promptId, timestamp: 2 } }));
  frames.push(JSON.stringify({ type: 'executing', data: { node: null, prompt_id: promptId } }));
  return frames;
}

function round(): { framesPerSec: number; frames: number } {
  let done = 0;
  const router = new SessionRouter({ clientId: 'c', onPromptDone: () => done++ });
  const ids = Array.from({ length: PROMPTS_PER_ROUND }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const frames = ids.map(promptFrames);
  let count = 0;
  let t = 0;
  const start = performance.now();
  for (const [i, id] of ids.entries()) {
    router.track(new PromptTracker({ promptId: id, clientId: 'c' }));
    for (const frame of frames[i]!) {
      router.onText(frame, (t += 0.05));
      count++;
    }
    router.untrack(id);
  }
  const elapsed = performance.now() - start;
  if (done !== PROMPTS_PER_ROUND) throw new Error(`expected ${PROMPTS_PER_ROUND} completions, got ${done}`);
  return { framesPerSec: (count / elapsed) * 1000, frames: count };
}

function retainedBytesPerPrompt(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const trackers: PromptTracker[] = [];
  const router = new SessionRouter({ clientId: 'c' });
  for (let i = 0; i < PROMPTS_PER_ROUND; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const tracker = new PromptTracker({ promptId: id, clientId: 'c' });
    router.track(tracker);
    for (const frame of promptFrames(id)) router.onText(frame, i);
    router.untrack(id);
    trackers.push(tracker);
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return trackers.length > 0 ? (after - before) / trackers.length : 0;
}

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

/** heapUsed growth per frame of `feed` over `frames`, in a batch without a GC (median of 5 such batches). */
async function allocatedPerFrame(frames: string[], setup: () => (frame: string, i: number) => void): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return Number.NaN;
  const got: number[] = [];
  for (let attempt = 0; got.length < 5 && attempt < 50; attempt++) {
    const feed = setup();
    gc();
    await tick();
    const seen = gcs;
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < frames.length; i++) feed(frames[i]!, i);
    const after = process.memoryUsage().heapUsed;
    await tick();
    if (gcs === seen) got.push((after - before) / frames.length);
  }
  got.sort((a, b) => a - b);
  return got[Math.floor(got.length / 2)] ?? Number.NaN;
}

/** Frames of 40 prompts in a row (1,840 frames: small enough for the young generation). */
function allocationFrames(): { ids: string[]; frames: string[] } {
  const ids = Array.from({ length: 40 }, (_, i) => `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  return { ids, frames: ids.flatMap(promptFrames) };
}

round();
const samples = Array.from({ length: ROUNDS }, round);
const rates = samples.map((s) => s.framesPerSec);
const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
const sd = Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / rates.length);
console.log(
  `decode + route: ${(mean / 1e3).toFixed(0)}k frames/s ± ${((sd / mean) * 100).toFixed(1)}% (${samples[0]!.frames} frames a round, ${STEPS}-step prompts)`,
);
console.log(`per sampler step (progress + progress_state): ${((2 / mean) * 1e6).toFixed(2)} µs`);
const retained = retainedBytesPerPrompt();
console.log(`retained per settled prompt (tracker with ${STEPS} steps): ${(retained / 1024).toFixed(2)} KiB`);
{
  const { ids, frames } = allocationFrames();
  let sink: unknown;
  const parseOnly = await allocatedPerFrame(frames, () => (f) => (sink = JSON.parse(f)));
  const routed = await allocatedPerFrame(frames, () => {
    const router = new SessionRouter({ clientId: 'c' });
    for (const id of ids) router.track(new PromptTracker({ promptId: id, clientId: 'c' }));
    return (f, i) => router.onText(f, i);
  });
  void sink;
  const perPrompt = frames.length / ids.length;
  console.log(
    `allocated per frame: decode + route ${routed.toFixed(0)} B, JSON.parse alone ${parseOnly.toFixed(0)} B; the difference, ${(routed - parseOnly).toFixed(0)} B ` +
      `× ${perPrompt} frames = ${(((routed - parseOnly) * perPrompt) / 1024).toFixed(2)} KiB a prompt, is what its tracker keeps (${(retained / 1024).toFixed(2)} KiB retained, above)`,
  );
}
