/**
 * k6's stream turned into what the Node engines produce: a `PromptRecord` per prompt (built by the
 * same buildPromptRecord from the marks the scenario reported), recorded into the same
 * MetricRecorder, counted into the same LevelTally per level, handed to the same RunObserver
 * (requests.csv, histograms.hlog, levels.csv, the console), and VRAM readings as the same
 * VramSamples. `comfyload run --engine k6` feeds it live; `comfyload import-k6` from a file.
 *
 * Counting: a prompt counts as submitted when its outcome arrives, so submitted = Σ outcomes holds
 * by construction; an arrival k6 dropped (no free VU) is a `dropped` record without prompt id, as
 * in the Node open loop; a prompt k6 reported submitted but never settled (k6 cut its iteration:
 * Ctrl-C, an expired gracefulStop) ends `lost` when the stream ends.
 */
import { linearFit } from '../../metrics/statistics.js';
import { LevelTally, recordPrompt } from '../../metrics/level-tally.js';
import type { MetricRecorder } from '../../metrics/recorder.js';
import type { K6Plan, K6PromptWire, K6RunWire, K6ScenarioPlan } from '../../metrics/k6-wire.js';
import type { LevelSummary, OpenLoopLevelReport, Phase, PromptRecord, VramSample } from '../../metrics/result-types.js';
import { droppedRecord } from '../open-loop-engine.js';
import { buildPromptRecord } from '../prompt-record.js';
import type { LiveCounts, RunObserver } from '../run-observer.js';
import type { K6Event } from './k6-stream.js';

/** Where VRAM samples go (VramReporting). */
export interface VramSink {
  add(sample: VramSample): void;
}

export interface K6ResultsDeps {
  recorder: MetricRecorder;
  observer: RunObserver;
  /** comfyload's run id, in every record. */
  runId: string;
  /** Epoch ms of the run start: record marks and samples are ms since then. */
  originEpochMs: number;
  vram?: VramSink;
  /** The plan, when the caller has it (else the stream's run record gives it). */
  plan?: K6Plan;
}

export interface K6ResultsOutcome {
  warmup: LevelSummary | null;
  levels: LevelSummary[];
  openLoop: OpenLoopLevelReport[];
  /** The run record of the stream (plan, k6 version, segment); undefined when none came. */
  run: K6RunWire | undefined;
  vram: { samples: number; skippedTicks: number; failedPolls: number };
  /** Prompts k6 reported submitted that never settled (ended `lost`). */
  unsettled: number;
  dropped: number;
}

interface LevelState {
  tally: LevelTally;
  level: number;
  phase: Phase;
  concurrency: number;
  ratePerSec?: number;
  arrivals: number;
  dropped: number;
  firstIntendedMs: number;
  lastIntendedMs: number;
  waitX: number[];
  waitY: number[];
}

export class K6Results {
  readonly #d: K6ResultsDeps;
  #plan: K6Plan | undefined;
  #run: K6RunWire | undefined;
  readonly #levels = new Map<string, LevelState>();
  readonly #inFlight = new Map<string, { timeMs: number; level: number; phase: Phase }>();
  readonly #vramCounts = { samples: 0, skippedTicks: 0, failedPolls: 0 };
  #live: LiveCounts = { level: 0, concurrency: 0, phase: 'warmup', submitted: 0, settled: 0, inFlight: 0, errors: 0 };
  #dropped = 0;

  constructor(deps: K6ResultsDeps) {
    this.#d = deps;
    this.#plan = deps.plan;
  }

  /** What the run is doing now, as far as the stream has told (the VRAM samples carry it). */
  get live(): Readonly<LiveCounts> {
    return { ...this.#live, inFlight: this.#inFlight.size };
  }

  async accept(event: K6Event): Promise<void> {
    switch (event.kind) {
      case 'run':
        this.#run ??= event.wire;
        this.#plan ??= event.wire.plan;
        return;
      case 'submitted':
        this.#inFlight.set(event.promptId, { timeMs: event.timeMs, level: event.level, phase: event.phase });
        this.#state(event.level, event.phase);
        this.#live = {
          ...this.#live,
          level: event.level,
          phase: event.phase,
          concurrency: this.#state(event.level, event.phase).concurrency,
          submitted: this.#live.submitted + 1,
        };
        return;
      case 'settled':
        await this.#settled(event.wire);
        return;
      case 'dropped':
        await this.#droppedArrivals(event.scenario, event.timeMs, event.count);
        return;
      case 'vram':
        this.#vramCounts.samples++;
        this.#d.vram?.add({
          atMs: event.wire.atMs - this.#d.originEpochMs,
          pollMs: event.wire.pollMs,
          level: this.#live.level,
          phase: this.#live.phase,
          concurrency: this.#live.concurrency,
          inFlight: this.#inFlight.size,
          ramTotalBytes: event.wire.ramTotalBytes,
          ramUsedBytes: event.wire.ramUsedBytes,
          devices: event.wire.devices,
        });
        return;
      case 'vramFailed':
        this.#vramCounts.failedPolls += event.count;
        return;
      case 'vramSkipped':
        this.#vramCounts.skippedTicks += event.count;
        return;
    }
  }

  async #settled(wire: K6PromptWire): Promise<void> {
    const id = wire.marks.promptId;
    this.#inFlight.delete(id);
    const record = buildPromptRecord(
      { marks: wire.marks, outcome: wire.marks.outcome },
      {
        runId: this.#d.runId,
        target: 0,
        level: wire.level,
        concurrency: wire.concurrency,
        phase: wire.phase,
        seq: wire.seq,
        originMs: this.#d.originEpochMs,
        openLoop: wire.openLoop,
        ...(wire.detail !== undefined ? { outcomeDetail: wire.detail } : {}),
      },
    );
    await this.#count(record);
  }

  async #droppedArrivals(scenarioName: string, timeMs: number, count: number): Promise<void> {
    const scenario = this.#plan?.scenarios.find((s) => s.name === scenarioName);
    if (scenario === undefined) return;
    const testStartMs = this.#run?.atMs ?? this.#d.originEpochMs;
    const level = levelOf(scenario, timeMs - testStartMs - scenario.startTimeMs);
    const detail = `dropped: no free k6 VU (maxVUs ${scenario.maxVUs ?? '?'}) when the arrival was due: k6's dropped_iterations`;
    for (let k = 0; k < count; k++) {
      this.#dropped++;
      await this.#count(droppedRecord(this.#d.runId, 0, level.level, scenario.phase, -1, timeMs - this.#d.originEpochMs, detail));
    }
  }

  async #count(record: PromptRecord): Promise<void> {
    const st = this.#state(record.level, record.phase, record.concurrency);
    const m = record.marks;
    const submittedAt = m.intendedSendMs ?? m.sentMs ?? m.completedMs ?? 0;
    if (record.outcome !== 'dropped') recordPrompt(this.#d.recorder, record);
    st.tally.submit(submittedAt);
    st.tally.settle(record, m.completedMs ?? m.ackMs ?? submittedAt);
    st.arrivals++;
    if (record.outcome === 'dropped') st.dropped++;
    if (m.intendedSendMs !== undefined) {
      st.firstIntendedMs = Math.min(st.firstIntendedMs, m.intendedSendMs);
      st.lastIntendedMs = Math.max(st.lastIntendedMs, m.intendedSendMs);
      if (record.timings.queueWaitMs !== undefined && record.outcome === 'ok') {
        st.waitX.push(m.intendedSendMs / 1000);
        st.waitY.push(record.timings.queueWaitMs);
      }
    }
    this.#live = { ...this.#live, settled: this.#live.settled + 1, errors: this.#live.errors + (record.outcome === 'ok' ? 0 : 1) };
    await this.#d.observer.onPromptSettled?.(record, this.live);
  }

  #state(level: number, phase: Phase, concurrency?: number): LevelState {
    const key = `${phase}:${level}`;
    let st = this.#levels.get(key);
    if (st === undefined) {
      const planned = this.#plan?.scenarios.flatMap((s) => (s.phase === phase ? s.levels : [])).find((l) => l.level === level);
      const c = concurrency ?? planned?.concurrency ?? 0;
      const ratePerSec = phase === 'measure' ? planned?.ratePerSec : undefined;
      st = {
        tally: new LevelTally({ level, concurrency: c, phase, ...(ratePerSec !== undefined ? { ratePerSec } : {}) }),
        level,
        phase,
        concurrency: c,
        ...(ratePerSec !== undefined ? { ratePerSec } : {}),
        arrivals: 0,
        dropped: 0,
        firstIntendedMs: Number.POSITIVE_INFINITY,
        lastIntendedMs: Number.NEGATIVE_INFINITY,
        waitX: [],
        waitY: [],
      };
      this.#levels.set(key, st);
      this.#d.observer.onLevelStart?.({ level, concurrency: c, phase });
    }
    return st;
  }

  /** Settles what never settled, closes every level (observer.onLevelEnd, in level order) and sums up. */
  async finish(): Promise<K6ResultsOutcome> {
    const unsettled = [...this.#inFlight.entries()];
    this.#inFlight.clear();
    for (const [promptId, at] of unsettled) {
      const st = this.#state(at.level, at.phase);
      const record: PromptRecord = {
        ...droppedRecord(this.#d.runId, 0, at.level, at.phase, -1, at.timeMs - this.#d.originEpochMs, 'k6 ended the iteration before the prompt settled'),
        concurrency: st.concurrency,
        promptId,
        marks: { sentMs: at.timeMs - this.#d.originEpochMs },
        outcome: 'lost',
      };
      await this.#count(record);
    }
    const ordered = [...this.#levels.values()].sort((a, b) => (a.phase === b.phase ? a.level - b.level : a.phase === 'warmup' ? -1 : 1));
    let warmup: LevelSummary | null = null;
    const levels: LevelSummary[] = [];
    const openLoop: OpenLoopLevelReport[] = [];
    for (const st of ordered) {
      const summary = st.tally.summary(this.#d.recorder);
      await this.#d.observer.onLevelEnd?.(summary);
      if (st.phase === 'warmup') {
        warmup = summary;
        continue;
      }
      levels.push(summary);
      if (st.ratePerSec !== undefined) openLoop.push(openLoopReport(st, summary));
    }
    return { warmup, levels, openLoop, run: this.#run, vram: { ...this.#vramCounts }, unsettled: unsettled.length, dropped: this.#dropped };
  }
}

/** The level of a scenario at `sinceStartMs` after its start (a ramp has one per stage). */
function levelOf(scenario: K6ScenarioPlan, sinceStartMs: number): K6ScenarioPlan['levels'][number] {
  let current = scenario.levels[0]!;
  for (const level of scenario.levels) if (level.fromMs <= sinceStartMs) current = level;
  return current;
}

function openLoopReport(st: LevelState, summary: LevelSummary): OpenLoopLevelReport {
  const span = st.lastIntendedMs - st.firstIntendedMs;
  const fit = linearFit(st.waitX, st.waitY);
  return {
    level: st.level,
    ratePerSec: st.ratePerSec ?? 0,
    offeredPerSec: span > 0 ? ((st.arrivals - 1) * 1000) / span : 0,
    arrivals: st.arrivals,
    dropped: st.dropped,
    // k6 starts an arrival on its schedule or drops it; it does not report how late it started one.
    schedulerLateP99Ms: 0,
    ...(fit !== undefined ? { queueWaitSlopeMsPerSec: fit.slope, queueWaitSlopeR2: fit.r2 } : {}),
    ...(summary.metrics.completionMs !== undefined ? { completionP99Ms: summary.metrics.completionMs.p99 } : {}),
    ...(summary.metrics.completionUncorrectedMs !== undefined ? { completionUncorrectedP99Ms: summary.metrics.completionUncorrectedMs.p99 } : {}),
  };
}
