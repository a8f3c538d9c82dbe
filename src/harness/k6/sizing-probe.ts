/**
 * The sizing probe of the k6 engine: k6 fixes every level's time slot before the test starts, so
 * comfyload first times two prompts, one at a time, through its own client — the first pays model
 * loads (it sizes the warm-up), the second is a warm prompt (it sizes the levels). Their seeds come
 * from a part of the run's seed sequence no level uses. They are not measurements and are not in
 * the results; `--expected-completion` skips the probe.
 */
import { DecodeStats } from '../../comfy/decode-stats.js';
import { ComfyloadError } from '../../comfy/errors.js';
import { applySeedSequence } from '../../comfy/seed-sequence.js';
import type { Clock } from '../clock.js';
import { ComfyHttp } from '../comfy-http.js';
import type { LoadPlan } from '../load-plan.js';
import { VirtualUser } from '../virtual-user.js';
import type { ExpectedCompletion } from './k6-plan.js';

/** Seed-sequence indexes of the probe prompts: far above any level's (levels use < 2^36). */
export const PROBE_SEQ_BASE = 2 ** 40;
const PROBE_PROMPTS = 2;

export async function probeCompletion(plan: LoadPlan, clock: Clock, onWarning: (m: string) => void, signal: AbortSignal): Promise<ExpectedCompletion> {
  if (plan.k6?.expectedCompletionMs !== undefined) {
    const ms = plan.k6.expectedCompletionMs;
    return { completionMs: ms, coldMs: ms, source: `--expected-completion ${ms} ms` };
  }
  const target = plan.targets[0];
  if (target === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', 'No target to probe', { hint: 'Give --url, or omit it to use the built-in emulator.' });
  const user = new VirtualUser(new ComfyHttp(target), clock, new DecodeStats(), onWarning, {});
  const times: number[] = [];
  try {
    await user.open();
    for (let k = 0; k < PROBE_PROMPTS && !signal.aborted; k++) {
      const graph = applySeedSequence(plan.workflow, plan.seedPolicy, PROBE_SEQ_BASE + k, plan.seed);
      const { tracker } = await user.submit({ graph, nodeIds: Object.keys(plan.workflow), timeoutMs: plan.promptTimeoutMs, signal });
      const m = tracker.marks;
      if (tracker.outcome !== 'ok' || m.completedMs === undefined || m.sentMs === undefined) {
        throw new ComfyloadError('COMFYLOAD_ERR_PROMPT_REJECTED', `The k6 engine's sizing prompt ended \`${tracker.outcome ?? 'without an outcome'}\``, {
          hint: 'run the same plan with --engine node to see why, or give --expected-completion to skip the probe.',
        });
      }
      times.push(m.completedMs - m.sentMs);
    }
  } finally {
    await user.close();
  }
  const [cold = 0, warm = cold] = times;
  return {
    completionMs: warm,
    coldMs: Math.max(cold, warm),
    source: `probe: ${times.length} prompts one at a time, ${times.map((t) => `${t.toFixed(0)} ms`).join(' then ')}`,
  };
}
