/**
 * Regression (issue 11): a failed queue-depth poll (GET /prompt) was skipped without a trace.
 * Polls that fail are counted, polling goes on, and the owner gets a warning with the count, the
 * error code and the last failure.
 */
import { describe, expect, it } from 'vitest';
import type { ComfyHttp } from '../../src/harness/comfy-http.js';
import { QueueDepthMonitor } from '../../src/harness/queue-depth.js';
import { QueueTimeline } from '../../src/metrics/queue-timeline.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('QueueDepthMonitor polls', () => {
  it('counts failed polls, keeps polling, and words a warning naming them', async () => {
    const time = new FakeClock();
    const answers: (number | Error)[] = [2, new Error('GET /prompt on http://gpu:8188 answered 502'), new Error('fetch failed'), 1, 0];
    const http = {
      queueInfo: async () => {
        const next = answers.shift() ?? 0;
        if (next instanceof Error) throw next;
        return { exec_info: { queue_remaining: next } };
      },
    } as unknown as ComfyHttp;
    const timeline = new QueueTimeline();
    const monitor = new QueueDepthMonitor({ target: 1, http, clock: time, timers: time, timeline, originMs: 0, pollMs: 1000, socket: false });
    await monitor.start();
    await time.advance(4000);
    await monitor.stop();
    expect(monitor.pollCounts).toEqual({ polls: 5, failed: 2, lastError: 'fetch failed' });
    expect(timeline.latest(1)?.queueRemaining).toBe(0);
    expect(monitor.failedPollsWarning()).toBe(
      "2 of 5 queue-depth polls (GET /prompt) of target 1 failed (COMFYLOAD_ERR_QUEUE_READ; last: fetch failed): queue.csv and Little's law rest on the socket's status messages for those times",
    );
  });

  it('has no warning when every poll answered', async () => {
    const time = new FakeClock();
    const http = { queueInfo: async () => ({ exec_info: { queue_remaining: 0 } }) } as unknown as ComfyHttp;
    const monitor = new QueueDepthMonitor({ target: 0, http, clock: time, timers: time, timeline: new QueueTimeline(), originMs: 0, socket: false });
    await monitor.start();
    await time.advance(3000);
    await monitor.stop();
    expect(monitor.failedPollsWarning()).toBeUndefined();
  });
});
