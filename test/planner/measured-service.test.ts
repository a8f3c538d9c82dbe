/** Which rows of requests.csv become service samples, overheads and the worker's between-prompt gap. */
import { describe, expect, it } from 'vitest';
import { measuredService } from '../../src/planner/measured-service.js';

type Row = Record<string, string>;

/** A settled prompt: sent at `sentMs`, started on the server at `startTs` for `execMs`. */
function row(at: { sentMs: number; startTs: number; execMs: number } & Record<string, string | number>): Row {
  const over = at as { sentMs: number; startTs: number; execMs: number } & Record<string, string>;
  const serverStartTs = over.startTs;
  const completedClient = Number(over['completedMs'] ?? over.sentMs + 5 + (serverStartTs - over.sentMs) + over.execMs + 2);
  return {
    target: '0',
    phase: 'measure',
    outcome: 'ok',
    source: 'ws',
    flags: '',
    sentMs: String(over.sentMs),
    ackMs: String(over.sentMs + 3),
    serverStartTs: String(serverStartTs),
    serverEndTs: String(serverStartTs + over.execMs),
    serverExecMs: String(over.execMs),
    execMs: String(over.execMs + 1),
    queueWaitMs: String(completedClient - over.sentMs - over.execMs - 1),
    timeToFirstStepMs: String(completedClient - over.sentMs - over.execMs + 20),
    completionMs: String(completedClient - over.sentMs),
    completedMs: String(completedClient),
    ...Object.fromEntries(Object.entries(over).filter(([k]) => !['sentMs', 'startTs', 'execMs'].includes(k))),
  };
}

describe('given the rows of a single-GPU run', () => {
  it('when prompts are warm-up, cached, failed, settled from history or suspect, then they are counted apart and not sampled', () => {
    const m = measuredService([
      row({ sentMs: 0, startTs: 1000, execMs: 500, phase: 'warmup' }),
      row({ sentMs: 600, startTs: 1600, execMs: 100 }),
      row({ sentMs: 800, startTs: 1800, execMs: 20, outcome: 'cached' }),
      row({ sentMs: 900, startTs: 1900, execMs: 20, outcome: 'error:OOM' }),
      row({ sentMs: 1000, startTs: 2000, execMs: 100, source: 'history' }),
      row({ sentMs: 1200, startTs: 2200, execMs: 100, flags: 'suspectCached' }),
      row({ sentMs: 1400, startTs: 2400, execMs: 120, serverExecMs: '' }),
    ]);
    expect(m.samples.map((s) => s.serviceMs)).toEqual([100, 121]);
    expect(m.serviceColumns).toEqual({ serverExecMs: 1, execMs: 1 });
    expect(m.excluded).toMatchObject({ warmup: 1, fromHistory: 1, suspectCached: 1, notOk: { cached: 1, 'error:OOM': 1 } });
  });

  it('when the next prompt was queued before the previous one ended, then the server-clock gap between them is the between-prompt time', () => {
    // Three prompts sent at once: the 2nd and 3rd wait; the worker starts each 2 and 4 ms after the previous end.
    const rows = [
      row({ sentMs: 0, startTs: 10_000, execMs: 100, completedMs: '110' }),
      row({ sentMs: 1, startTs: 10_102, execMs: 100, completedMs: '212' }),
      row({ sentMs: 2, startTs: 10_206, execMs: 100, completedMs: '316' }),
      // Sent long after: found the GPU idle, so its 50 ms gap is idle time, not the worker's.
      row({ sentMs: 1000, startTs: 11_356, execMs: 100, completedMs: '1110' }),
    ];
    const m = measuredService(rows);
    expect(m.backToBackPairs).toBe(2);
    expect(m.betweenPromptsMs).toBeCloseTo(3, 9);
  });

  it('when a prompt was sent after every earlier one completed, then its queue wait and completion beyond service are overhead samples', () => {
    const rows = [
      row({ sentMs: 0, startTs: 10_000, execMs: 100, completedMs: '110', queueWaitMs: '6', completionMs: '110' }),
      row({ sentMs: 50, startTs: 10_100, execMs: 100, completedMs: '215', queueWaitMs: '60', completionMs: '165' }),
      row({ sentMs: 400, startTs: 10_400, execMs: 100, completedMs: '508', queueWaitMs: '5', completionMs: '108' }),
    ];
    const m = measuredService(rows);
    expect(m.overheads).toEqual([
      { queueWaitMs: 6, completionMs: 10 },
      { queueWaitMs: 5, completionMs: 8 },
    ]);
  });

  it('when a fleet run is planned from one target, then the other targets are left out', () => {
    const m = measuredService([row({ sentMs: 0, startTs: 1000, execMs: 100 }), row({ sentMs: 0, startTs: 1000, execMs: 300, target: '1' })], { target: 1 });
    expect(m.samples.map((s) => s.serviceMs)).toEqual([300]);
    expect(m.excluded.otherTargets).toBe(1);
    expect(m.targets).toEqual([1]);
  });
});
