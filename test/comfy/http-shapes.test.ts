/** The recorded HTTP bodies against the shared HTTP types, and 400 bodies through markRejected. */
import { describe, expect, it } from 'vitest';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { describeRejection } from '../../src/comfy/rejection.js';
import type { PromptErrorResponse, QueueItem, QueueResponse, SystemStats } from '../../src/comfy/http-types.js';
import systemStatsJson from '../traces/real-system_stats.json' with { type: 'json' };
import queueJson from '../traces/real-queue.json' with { type: 'json' };
import { readJson } from './helpers/traces.js';

/** JSON imports type arrays as arrays, never tuples: a QueueItem is checked at run time instead. */
function asQueueItem(raw: unknown): QueueItem {
  expect(Array.isArray(raw)).toBe(true);
  const item = raw as unknown[];
  expect(item).toHaveLength(5);
  expect(typeof item[0]).toBe('number');
  expect(typeof item[1]).toBe('string');
  expect(typeof item[2]).toBe('object');
  expect(typeof item[3]).toBe('object');
  expect((item[4] as unknown[]).every((id) => typeof id === 'string')).toBe(true);
  return item as QueueItem;
}

function rejected(status: number, body: PromptErrorResponse | string): PromptTracker {
  const t = new PromptTracker({ promptId: 'p', clientId: 'c' });
  t.markSent(0);
  t.markRejected(3, status, body);
  return t;
}

describe('given the recorded /system_stats', () => {
  it('when typed as SystemStats, then it compiles and carries devices in bytes and argv', () => {
    const stats: SystemStats = systemStatsJson;
    expect(stats.devices[0]?.type).toBe('cpu');
    expect(stats.devices[0]?.index).toBeNull();
    expect(Number.isInteger(stats.devices[0]?.vram_total)).toBe(true);
    expect(stats.system.argv).toContain('--cpu');
    expect(stats.system.comfyui_version).toBe('0.3.64');
  });
});

describe('given the recorded /queue with three prompts', () => {
  it('when read as QueueResponse, then one runs and two pend as 5-element items', () => {
    const queue: QueueResponse = {
      queue_running: queueJson.queue_running.map(asQueueItem),
      queue_pending: queueJson.queue_pending.map(asQueueItem),
    };
    expect(queue.queue_running).toHaveLength(1);
    expect(queue.queue_pending).toHaveLength(2);
    expect(queue.queue_running[0]?.[3].client_id).toBe('de4a4111-0bbd-4f66-a563-b0fbcfc9ac5e');
  });

  it('when the idle queue is read, then both lists are empty', () => {
    expect(readJson<QueueResponse>('real-queue-idle.json')).toEqual({ queue_running: [], queue_pending: [] });
  });
});

describe('given the recorded 400 bodies of POST /prompt', () => {
  it('when real-prompt-400.json is applied, then the outcome is rejected:prompt_outputs_failed_validation', () => {
    const t = rejected(400, readJson<PromptErrorResponse>('real-prompt-400.json'));
    expect(t.outcome).toBe('rejected:prompt_outputs_failed_validation');
    expect(t.done).toBe(true);
    expect(t.marks.rejection).toEqual({ status: 400, errorType: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation' });
    expect(t.marks.ackMs).toBe(3);
  });

  const variants = readJson<{ case: string; status: number; response: PromptErrorResponse }[]>('real-prompt-400-variants.json');
  it.each(variants.map((v) => [v.case, v] as const))('when the variant "%s" is applied, then the outcome names its error.type', (_name, v) => {
    const t = rejected(v.status, v.response);
    const error = v.response.error;
    expect(typeof error).toBe('object');
    expect(t.outcome).toBe(`rejected:${(error as { type: string }).type}`);
  });

  it('when the body is the raw JSON text, then it is parsed the same way', () => {
    const raw = JSON.stringify(readJson('real-prompt-400.json'));
    expect(rejected(400, raw).outcome).toBe('rejected:prompt_outputs_failed_validation');
  });

  it('when an old server sends error "no prompt", then the outcome is rejected:no_prompt', () => {
    expect(rejected(400, { error: 'no prompt', node_errors: [] }).outcome).toBe('rejected:no_prompt');
  });

  it('when the body is plain text (aiohttp 500), then the outcome is rejected:http_500 with the text kept short', () => {
    const t = rejected(500, '500 Internal Server Error\n\n' + 'x'.repeat(1000));
    expect(t.outcome).toBe('rejected:http_500');
    expect(t.marks.rejection?.message.length).toBeLessThanOrEqual(200);
    expect(describeRejection(413, '').errorType).toBe('http_413');
  });
});
