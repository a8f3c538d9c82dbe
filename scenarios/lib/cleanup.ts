/**
 * teardown: takes off the server whatever this k6 process still has there — prompts of its own
 * clientIds still pending (deleted from the queue) or running (interrupted by prompt_id). The
 * guard timers should have left nothing; this covers iterations k6 itself cut (Ctrl-C, a
 * gracefulStop that expired). Other clients' prompts, and other runners', are never touched.
 */
import http from 'k6/http';
import type { QueueResponse } from '../../src/comfy/http-types.js';
import type { K6Plan } from '../../src/metrics/k6-wire.js';
import { clientPrefix } from './prompt-iteration.js';

type QueueItem = QueueResponse['queue_pending'][number];

function ours(item: QueueItem, prefix: string): string | undefined {
  const extra = item[3] as { client_id?: unknown } | undefined;
  return typeof extra?.client_id === 'string' && extra.client_id.startsWith(prefix) ? String(item[1]) : undefined;
}

export function cleanUp(plan: K6Plan, headers: Record<string, string>): void {
  const prefix = clientPrefix(plan);
  const res = http.get(`${plan.url}/queue`, { headers, tags: { name: 'cleanup' } });
  if (res.status !== 200) return;
  let queue: QueueResponse;
  try {
    queue = JSON.parse(String(res.body)) as QueueResponse;
  } catch {
    return;
  }
  const params = { headers: { ...headers, 'Content-Type': 'application/json' }, tags: { name: 'cleanup' } };
  const pending = (queue.queue_pending ?? []).map((item) => ours(item, prefix)).filter((id): id is string => id !== undefined);
  if (pending.length > 0) http.post(`${plan.url}/queue`, JSON.stringify({ delete: pending }), params);
  for (const item of queue.queue_running ?? []) {
    const id = ours(item, prefix);
    if (id !== undefined) http.post(`${plan.url}/interrupt`, JSON.stringify({ prompt_id: id }), params);
  }
  if (pending.length > 0) console.warn(`comfyload: teardown took ${pending.length} prompt(s) of this run off the queue`);
}
