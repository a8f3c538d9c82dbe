/**
 * §7 Jobs API of newer servers (current protocol only): a read view over queue and history plus
 * cancel. A job is pending (queued), in_progress (running), completed, failed or cancelled
 * (interrupted).
 */
import type { Job } from '../comfy/http-types.js';
import type { HttpRouter } from './http-router.js';
import { isObject, parseJson, pyInt, sendJson } from './http-util.js';
import type { SimCore } from './sim-core.js';

const STATUSES: readonly Job['status'][] = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'];

function jobs(sim: SimCore): Job[] {
  const out: Job[] = [];
  const truthOf = (id: string) => sim.truth.prompts.get(id);
  for (const e of sim.queue.running()) {
    const t = truthOf(e.promptId);
    out.push({
      id: e.promptId,
      status: 'in_progress',
      priority: e.number,
      create_time: Math.floor(e.enqueuedEpochMs),
      execution_start_time: t?.executionStartEpochMs !== undefined ? Math.floor(t.executionStartEpochMs) : null,
      execution_end_time: null,
      outputs_count: 0,
      workflow_id: null,
    });
  }
  for (const e of sim.queue.pending()) {
    out.push({
      id: e.promptId,
      status: 'pending',
      priority: e.number,
      create_time: Math.floor(e.enqueuedEpochMs),
      execution_start_time: null,
      execution_end_time: null,
      outputs_count: 0,
      workflow_id: null,
    });
  }
  for (const id of sim.history.ids()) {
    const h = sim.history.get(id);
    if (h === undefined) continue;
    const t = truthOf(id);
    const msgs = h.status.messages;
    const interrupted = msgs.some(([m]) => m === 'execution_interrupted');
    const error = msgs.find(([m]) => m === 'execution_error')?.[1];
    const status: Job['status'] = h.status.status_str === 'success' ? 'completed' : interrupted ? 'cancelled' : 'failed';
    const files = Object.values(h.outputs).flatMap((o) => o.images ?? []);
    out.push({
      id,
      status,
      priority: h.prompt[0] as unknown as number,
      create_time: t !== undefined ? Math.floor(t.enqueuedEpochMs) : undefined,
      execution_start_time: t?.executionStartEpochMs !== undefined ? Math.floor(t.executionStartEpochMs) : null,
      execution_end_time: t?.completedEpochMs !== undefined ? Math.floor(t.completedEpochMs) : null,
      execution_error: error ?? null,
      outputs_count: files.length,
      preview_output: files[0] ?? null,
      workflow_id: null,
    });
  }
  return out;
}

function cancel(sim: SimCore, id: string): boolean {
  if (sim.queue.isRunning(id)) {
    sim.executor.interrupt();
    return true;
  }
  return sim.queue.deletePending(id);
}

export function addJobRoutes(router: HttpRouter, sim: SimCore): void {
  router.add('GET', '/jobs', ({ res, url }) => {
    const q = url.searchParams;
    const wanted = (q.get('status') ?? '').split(',').filter((s) => STATUSES.includes(s as Job['status']));
    let list = jobs(sim).filter((j) => wanted.length === 0 || wanted.includes(j.status));
    const sortBy = q.get('sort_by') ?? 'created_at';
    const desc = (q.get('sort_order') ?? 'desc') === 'desc';
    const key = (j: Job): number => (sortBy === 'execution_duration' ? (j.execution_end_time ?? 0) - (j.execution_start_time ?? 0) : (j.create_time ?? 0));
    list = [...list].sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)));
    const offset = q.get('offset') === null ? 0 : Math.max(0, pyInt(q.get('offset') ?? '0'));
    const limit = q.get('limit') === null ? null : Math.max(0, pyInt(q.get('limit') ?? '0'));
    const page = list.slice(offset, limit === null ? undefined : offset + limit);
    sendJson(res, 200, { jobs: page, pagination: { offset, limit, total: list.length, has_more: offset + page.length < list.length } });
  });
  router.add('GET', '/jobs/{job_id}', ({ res, params }) => {
    const job = jobs(sim).find((j) => j.id === params.job_id);
    if (job === undefined) sendJson(res, 404, { error: 'Job not found' });
    else sendJson(res, 200, job);
  });
  router.add('POST', '/jobs/cancel', async ({ res, body }) => {
    const json = parseJson(await body());
    const ids = isObject(json) && Array.isArray(json.job_ids) ? json.job_ids.map(String) : [];
    const cancelled = ids.filter((id) => cancel(sim, id));
    sendJson(res, 200, { cancelled });
  });
  router.add('POST', '/jobs/{job_id}/cancel', ({ res, params }) => {
    sendJson(res, 200, { cancelled: cancel(sim, params.job_id ?? '') });
  });
}
