/**
 * Conformance: every recorded ComfyUI 0.3.64 trace replayed through SessionRouter + PromptTracker,
 * and the recorded HTTP bodies read by the history, rejection and type code.
 */
import { describe, expect, it } from 'vitest';
import { DecodeStats } from '../../src/comfy/decode-stats.js';
import { readHistory } from '../../src/comfy/history-marks.js';
import { derivePromptTimings } from '../../src/comfy/prompt-timings.js';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import type { HistoryResponse, PromptResponse } from '../../src/comfy/http-types.js';
import { readJson, readTrace, replayTrace, traceFiles, wsMessages, type Replay } from './helpers/traces.js';

function only(replay: Replay): PromptTracker {
  expect(replay.prompts).toHaveLength(1);
  return replay.prompts[0]!.tracker;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `step_ms` of the trace's BenchFakeSampler node, read from its own POST. */
function stepMsOf(replay: Replay): number {
  const node = Object.values(replay.prompts[0]!.request.prompt).find((n) => n.class_type === 'BenchFakeSampler');
  return Number(node?.inputs.step_ms);
}

describe('given every recorded trace', () => {
  const files = traceFiles();

  it('when listing them, then all eight scenarios are present', () => {
    expect(files).toEqual([
      'real-trace-core.jsonl',
      'real-trace-error.jsonl',
      'real-trace-fake-sampler-cached.jsonl',
      'real-trace-fake-sampler.jsonl',
      'real-trace-interrupt.jsonl',
      'real-trace-previews-metadata.jsonl',
      'real-trace-previews.jsonl',
      'real-trace-queue3.jsonl',
    ]);
  });

  it.each(files)('when %s is replayed, then every prompt is done with one outcome and nothing is lost', (file) => {
    const stats = new DecodeStats();
    const replay = replayTrace(file, stats);
    expect(replay.prompts.length).toBeGreaterThan(0);
    for (const { tracker } of replay.prompts) {
      expect(tracker.done).toBe(true);
      expect(tracker.outcome).toBeDefined();
      expect(tracker.marks.duplicates).toBe(0);
      expect(tracker.marks.completedMs).toBeDefined();
      expect(tracker.marks.ackMs).toBeDefined();
    }
    expect(replay.doneOrder).toEqual(replay.prompts.map((p) => p.tracker.promptId));
    expect(replay.router.foreign).toBe(0);
    expect(replay.router.unattributed).toBe(0);
    expect(stats.malformed).toBe(0);
    expect(stats.unknown).toBe(0);
    expect(stats.textFrames).toBe(wsMessages(file).length);
    expect(replay.router.queueRemaining).toBe(0);
    expect(replay.router.sessionId).toBe(replay.clientId);
  });
});

describe('given the fake-sampler trace (20 steps of 50 ms)', () => {
  const replay = replayTrace('real-trace-fake-sampler.jsonl');
  const tracker = only(replay);
  const timings = derivePromptTimings(tracker.marks);
  const stepMs = stepMsOf(replay);

  it('then the prompt succeeds with steps 1..20 of 20 on the sampler node', () => {
    expect(tracker.outcome).toBe('ok');
    expect(tracker.marks.steps.map((s) => s.value)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(tracker.marks.steps.every((s) => s.max === 20 && s.node === '1')).toBe(true);
    expect(replay.stepsSeen).toHaveLength(20);
  });

  it("then the step intervals are step_ms plus a little, and the sampler's start (executing → first step) is apart", () => {
    expect(stepMs).toBe(50);
    expect(timings.stepIntervalMs).toHaveLength(19);
    expect(timings.samplerStartMs).toHaveLength(1);
    expect(timings.samplerStartMs[0]).toBeGreaterThanOrEqual(stepMs);
    for (const gap of timings.stepIntervalMs) {
      expect(gap).toBeGreaterThanOrEqual(stepMs - 2);
      expect(gap).toBeLessThan(stepMs + 15);
    }
    expect(median(timings.stepIntervalMs)).toBeGreaterThanOrEqual(stepMs);
    expect(median(timings.stepIntervalMs)).toBeLessThan(stepMs + 3);
  });

  it('then the phases are consistent: queue wait + exec = completion, server exec ≈ client exec', () => {
    expect(timings.queueWaitMs! + timings.execMs!).toBeCloseTo(timings.completionMs!, 6);
    expect(timings.timeToFirstStepMs!).toBeGreaterThan(timings.queueWaitMs!);
    expect(Math.abs(timings.serverExecMs! - timings.execMs!)).toBeLessThan(10);
    expect(tracker.marks.nodes['2']?.output?.images?.[0]?.filename).toBe('bench_00006_.png');
  });
});

describe('given the fully cached resubmission trace', () => {
  const tracker = only(replayTrace('real-trace-fake-sampler-cached.jsonl'));

  it('then every node is cached, no step or node start is seen, and the outcome is cached', () => {
    expect(tracker.outcome).toBe('cached');
    expect([...tracker.marks.cachedNodes].sort()).toEqual(['1', '2']);
    expect(tracker.marks.steps).toHaveLength(0);
    expect(Object.values(tracker.marks.nodes).every((n) => n.startMs === undefined)).toBe(true);
    expect(tracker.marks.nodes['2']?.output).not.toBeNull();
    expect(derivePromptTimings(tracker.marks).cachedNodeCount).toBe(2);
  });
});

describe('given the error trace (BenchFail raises)', () => {
  const tracker = only(replayTrace('real-trace-error.jsonl'));

  it('then the outcome is error:RuntimeError with the failing node and its type', () => {
    expect(tracker.outcome).toBe('error:RuntimeError');
    expect(tracker.marks.error).toMatchObject({ nodeId: '1', nodeType: 'BenchFail', exceptionType: 'RuntimeError' });
    expect(tracker.marks.error?.exceptionMessage.endsWith('\n')).toBe(true);
    expect(tracker.marks.serverEndTs).toBeDefined();
  });
});

describe('given the interrupt trace, whose events arrive before the POST reply', () => {
  const file = 'real-trace-interrupt.jsonl';
  const tracker = only(replayTrace(file));
  const progressLines = wsMessages(file).filter((m) => m.type === 'progress').length;

  it('then the prompt is interrupted after exactly the recorded k steps', () => {
    expect(progressLines).toBeGreaterThanOrEqual(5);
    expect(tracker.outcome).toBe('interrupted');
    expect(tracker.marks.steps).toHaveLength(progressLines);
  });

  it('then the early events were kept although the reply came after them', () => {
    expect(tracker.marks.executionStartMs!).toBeLessThan(tracker.marks.ackMs!);
    expect(tracker.marks.nodes['1']?.startMs).toBeLessThan(tracker.marks.ackMs!);
    expect(tracker.marks.number).toBe(11);
  });
});

describe('given three prompts queued at once (queue3)', () => {
  const replay = replayTrace('real-trace-queue3.jsonl');
  const trackers = replay.prompts.map((p) => p.tracker);
  const marks = trackers.map((t) => t.marks);
  const timings = marks.map((m) => derivePromptTimings(m));

  it('then three prompts succeed, strictly one after another', () => {
    expect(trackers.map((t) => t.outcome)).toEqual(['ok', 'ok', 'ok']);
    for (let i = 1; i < marks.length; i += 1) {
      expect(marks[i]!.executionStartMs!).toBeGreaterThanOrEqual(marks[i - 1]!.completedMs!);
    }
  });

  it("then each queue wait grows by about one of the trace's own service times", () => {
    const service = timings.map((t) => t.execMs!);
    for (let i = 1; i < timings.length; i += 1) {
      const growth = timings[i]!.queueWaitMs! - timings[i - 1]!.queueWaitMs!;
      // The posts were sent a few ms apart: allow 2% of the previous service time.
      expect(Math.abs(growth - service[i - 1]!)).toBeLessThan(service[i - 1]! * 0.02);
    }
  });
});

describe('given the core-nodes trace', () => {
  const file = 'real-trace-core.jsonl';
  const tracker = only(replayTrace(file));
  const executingNodes = wsMessages(file)
    .filter((m) => m.type === 'executing' && m.data.node !== null)
    .map((m) => String(m.data.node));
  const executedNodes = wsMessages(file)
    .filter((m) => m.type === 'executed')
    .map((m) => String(m.data.node));

  it('then it succeeds with a start for each executing node and the outputs recorded', () => {
    expect(tracker.outcome).toBe('ok');
    expect(executingNodes.length).toBeGreaterThan(0);
    for (const id of executingNodes) expect(tracker.marks.nodes[id]?.startMs).toBeTypeOf('number');
    for (const id of executedNodes) {
      expect(tracker.marks.nodes[id]?.executedMs).toBeTypeOf('number');
      expect(tracker.marks.nodes[id]?.output?.images?.length).toBeGreaterThan(0);
    }
    expect(tracker.marks.steps).toHaveLength(0);
  });
});

describe.each([
  ['real-trace-previews.jsonl', 1],
  ['real-trace-previews-metadata.jsonl', 4],
])('given the preview trace %s (binary event %i)', (file, event) => {
  const stats = new DecodeStats();
  const replay = replayTrace(file, stats);
  const tracker = only(replay);

  it('then the preview count matches the binary frames and every frame decoded as its event', () => {
    expect(replay.binaryFrames).toBeGreaterThan(0);
    expect(tracker.marks.previews).toBe(replay.binaryFrames);
    expect(stats.snapshot().binaryByEvent).toEqual({ [String(event)]: replay.binaryFrames });
    expect(tracker.outcome).toBe('ok');
  });
});

describe('given the recorded /history entries', () => {
  const cases: [string, string][] = [
    ['real-history-core.json', 'real-trace-core.jsonl'],
    ['real-history-fake-sampler.json', 'real-trace-fake-sampler.jsonl'],
    ['real-history-fake-sampler-cached.json', 'real-trace-fake-sampler-cached.jsonl'],
    ['real-history-max2.json', 'real-trace-queue3.jsonl'],
  ];

  it.each(cases)('when %s is read, then outcome, timestamps and cached nodes agree with %s', (historyFile, traceFile) => {
    const history = readJson<HistoryResponse>(historyFile);
    const replay = replayTrace(traceFile);
    let compared = 0;
    for (const [promptId, entry] of Object.entries(history)) {
      const ws = replay.prompts.find((p) => p.tracker.promptId === promptId)?.tracker;
      if (ws === undefined) continue;
      const facts = readHistory(entry);
      expect(facts.outcome).toBe(ws.outcome);
      expect(facts.serverStartTs).toBe(ws.marks.serverStartTs);
      expect(facts.serverEndTs).toBe(ws.marks.serverEndTs);
      expect(facts.cachedNodes).toEqual(ws.marks.cachedNodes);
      compared += 1;
    }
    expect(compared).toBe(Object.keys(history).length);
  });

  it.each(cases)('when %s completes a tracker whose socket went silent after the reply, then it is done from history', (historyFile, traceFile) => {
    const history = readJson<HistoryResponse>(historyFile);
    const replay = replayTrace(traceFile);
    for (const [promptId, entry] of Object.entries(history)) {
      const ws = replay.prompts.find((p) => p.tracker.promptId === promptId)!;
      const lonely = new PromptTracker({ promptId, clientId: replay.clientId });
      lonely.markSent(100);
      lonely.markAck(101, ws.response);
      expect(lonely.applyHistory(entry, 5000)).toBe(true);
      expect(lonely.done).toBe(true);
      expect(lonely.outcome).toBe(ws.tracker.outcome);
      expect(lonely.marks.source).toBe('history');
      expect(lonely.marks.completedMs).toBe(5000);
      expect(lonely.marks.completedByLookup).toBe(true);
      // The server's timestamps measure it; the look-up's time is no latency.
      const timings = derivePromptTimings(lonely.marks);
      expect(timings.serverExecMs).toBe(derivePromptTimings(ws.tracker.marks).serverExecMs);
      expect(timings.serverExecMs).toBeGreaterThanOrEqual(0);
      expect(timings).toMatchObject({ execMs: undefined, completionMs: undefined, uncorrected: { completionMs: undefined } });
      // Socket marks win: applying history to the finished ws tracker changes nothing.
      expect(ws.tracker.applyHistory(entry, 9999)).toBe(false);
      expect(ws.tracker.marks.source).toBe('ws');
    }
  });
});

describe('given the recorded POST /prompt replies', () => {
  it('when the 200 replies are read, then they are PromptResponse-shaped', () => {
    for (const file of traceFiles()) {
      for (const line of readTrace(file)) {
        if (line.kind !== 'http' || line.path !== '/prompt' || line.method !== 'POST') continue;
        const resp = line.response as PromptResponse;
        expect(resp.prompt_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isInteger(resp.number)).toBe(true);
        expect(resp.node_errors).toEqual({});
      }
    }
  });
});
