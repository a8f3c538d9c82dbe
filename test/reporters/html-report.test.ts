import { describe, expect, it } from 'vitest';
import type { RunSummary, ServerInventory, VramSample } from '../../src/metrics/result-types.js';
import { buildReportData, type ReportFiles } from '../../src/reporters/html/report-data.js';
import { jsonForScript, renderReportHtml } from '../../src/reporters/html/render-report.js';
import { readCsvTable, readResultsCsv } from '../../src/reporters/html/csv-read.js';
import { LevelsCsvWriter } from '../../src/reporters/levels-csv.js';
import { RequestsCsvWriter } from '../../src/reporters/requests-csv.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { VramCsvWriter, vramSamplesFromRows } from '../../src/reporters/vram-csv.js';
import { levelSummaryFixture, promptRecordFixture } from './fixtures.js';

const GIB = 2 ** 30;

function vramSample(atMs: number, usedGib: number, devices = 1, target = 0): VramSample {
  return {
    target,
    atMs,
    pollMs: 1.5,
    level: 1,
    phase: 'measure',
    concurrency: 4,
    inFlight: 3,
    ramTotalBytes: 64 * GIB,
    ramUsedBytes: 10 * GIB,
    devices: Array.from({ length: devices }, (_, device) => ({
      device,
      name: `cuda:${device} NVIDIA L4 : cudaMallocAsync`,
      memory: 'vram' as const,
      vramTotalBytes: 22 * GIB,
      vramUsedBytes: usedGib * GIB,
      torchReservedBytes: usedGib * GIB,
      torchActiveBytes: (usedGib - 1) * GIB,
    })),
  };
}

async function files(over: Partial<RunSummary> = {}): Promise<ReportFiles> {
  const comments = ['gpu: NVIDIA L4; gpu_count: 1'];
  const levelsSink = new MemorySink();
  const levels = new LevelsCsvWriter({ sink: levelsSink, headerComments: comments });
  await levels.writeLevel(
    levelSummaryFixture({
      vram: {
        samples: 3,
        peakUsedBytes: 9 * GIB,
        meanUsedBytes: 8 * GIB,
        p95UsedBytes: 9 * GIB,
        peakTorchReservedBytes: 9 * GIB,
        peakTorchActiveBytes: 8 * GIB,
        peakRamUsedBytes: 10 * GIB,
      },
    }),
  );
  const requestsSink = new MemorySink();
  const requests = new RequestsCsvWriter({ sink: requestsSink, headerComments: comments });
  await requests.writePrompt(promptRecordFixture({ seq: 0, vramPeakBytes: 9 * GIB }));
  await requests.writePrompt(
    promptRecordFixture({ seq: 1, outcome: 'error:torch.OutOfMemoryError', marks: { sentMs: 1300, executionStartMs: 5400, completedMs: 5600 } }),
  );
  const vramSink = new MemorySink();
  const vram = new VramCsvWriter({ sink: vramSink, headerComments: comments });
  for (const [t, g] of [
    [1000, 7],
    [3000, 9],
    [5000, 8],
  ] as const)
    await vram.writeSample(vramSample(t, g));
  const summary = {
    schemaVersion: 1,
    harness: { name: 'comfyload', version: '0.1.0' },
    runId: 'r1',
    name: 'demo</script><script>alert(1)</script>',
    startedAt: '2026-11-29T16:45:00.000Z',
    endedAt: '2026-11-29T16:46:02.000Z',
    startTimeEpochMs: 0,
    durationMs: 62000,
    settings: {
      mode: 'closed-loop',
      workflowPath: 'w.json',
      levels: [{ concurrency: 4 }],
      promptsPerLevel: 40,
      warmupPrompts: 2,
      seedPolicy: 'random',
      seed: 1,
      maxErrorRate: 0.05,
      fetchOutputs: false,
      promptTimeoutMs: 600000,
      labels: { host: 'box-1' },
    },
    targets: [{ index: 0, kind: 'server', url: 'http://gpu:8188' }],
    levels: {},
    warmup: { ...levelSummaryFixture({ phase: 'warmup', startedMs: 0, endedMs: 900 }) },
    totals: { submitted: 42, ok: 40, notOk: 2, outcomes: { ok: 40, 'error:torch.OutOfMemoryError': 1, cached: 1 } },
    partial: false,
    histograms: {
      file: 'histograms.hlog',
      valueUnit: 'us',
      msRatio: 1000,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 1,
      significantDigits: 3,
      tagScheme: '',
    },
    files: [],
    environment: {
      gpu: 'NVIDIA L4',
      gpuCount: '1',
      vramTotalBytes: String(22 * GIB),
      modelsCheckpoint: 'sd_xl_base_1.0.safetensors',
      modelConfigSlug: 'sd_xl_base_1.0-1024x1024-25steps-b1',
      serverArgv: 'main.py --lowvram',
    },
    vram: {
      intervalMs: 250,
      samples: 3,
      skippedTicks: 0,
      failedPolls: 0,
      usedDefinition: '',
      devices: [],
      overall: null,
      drift: { prompts: 40, slopeMbPer100Prompts: 120.5, r2: 0.9, flagged: true, rule: '' },
    },
    warnings: ['the workflow has no seed'],
    ...over,
  } as RunSummary;
  return { summary, levelsCsv: levelsSink.text(), requestsCsv: requestsSink.text(), vramCsv: vramSink.text() };
}

describe('report data from the results files', () => {
  it('has a latency chart per metric with samples, the level table, the VRAM series in GiB and level bands', async () => {
    const data = buildReportData(await files());
    expect(data.latency.map((c) => c.metric)).toEqual(['queueWaitMs', 'samplerStartMs', 'stepIntervalMs', 'completionMs']);
    expect(data.latency[1]).toMatchObject({ x: [4], p50: [600], max: [960], uncorrected: null });
    expect(data.latency[3]).toMatchObject({ x: [4], p50: [6000], max: [9600], uncorrected: null });
    expect(data).toMatchObject({ mode: 'closed-loop', openLoop: null, queue: null, targets: null, capacity: null });
    expect(data.levels[0]).toMatchObject({ concurrency: 4, x: 4, label: 'c=4', ratePerMin: null, vramPeakBytes: 9 * GIB, vramP95Bytes: 9 * GIB });
    expect(data.vram).toHaveLength(1);
    expect(data.vram![0]).toMatchObject({
      id: 'vram',
      memory: 'vram',
      t: [1, 3, 5],
      used: [7, 9, 8],
      active: [6, 8, 7],
      total: [22, 22, 22],
      inFlight: [3, 3, 3],
    });
    expect(data.bands).toEqual([
      { fromS: 0, toS: 0.9, label: 'warm-up', phase: 'warmup' },
      { fromS: 1, toS: 61, label: 'c=4', phase: 'measure' },
    ]);
    expect(data.prompts).toMatchObject({
      seq: [0, 1],
      sentS: [1.2005, 1.3],
      startS: [1.5, 5.4],
      endS: [5.4, 5.6],
      outcome: ['ok', 'error:torch.OutOfMemoryError'],
    });
    expect(data.stepDistribution).toBeNull();
  });

  it("warns about errors, cached prompts, VRAM drift and the run's own warnings", async () => {
    const data = buildReportData(await files({ partial: true, partialReason: 'SIGINT' }));
    expect(data.warnings.join('\n')).toMatch(/Partial run: SIGINT/);
    expect(data.warnings.join('\n')).toMatch(/error:torch\.OutOfMemoryError × 1/);
    expect(data.warnings.join('\n')).toMatch(/1 prompts were served entirely from ComfyUI's cache/);
    expect(data.warnings.join('\n')).toMatch(/VRAM drift: \+120\.5 MB per 100 prompts/);
    expect(data.warnings).toContain('the workflow has no seed');
  });

  it('says how many prompts were settled from /history, and counts cache hits as measured under --cache-mode allow', async () => {
    const base = await files();
    const totals = { submitted: 42, ok: 41, notOk: 1, outcomes: { ok: 40, 'error:torch.OutOfMemoryError': 1, cached: 1 }, settledFromHistory: 4 };
    const data = buildReportData({ ...base, summary: { ...base.summary, totals, settings: { ...base.summary.settings, cacheMode: 'allow' } } });
    const text = data.warnings.join('\n');
    expect(text).toMatch(/4 of 42 measured prompts were settled from \/history .*left out of the latency percentiles/);
    expect(text).toMatch(/1 of 42 measured prompts were served entirely from ComfyUI's cache: measured as cache hits/);
    expect(text).toMatch(/1 of 42 measured prompts did not finish ok: error:torch\.OutOfMemoryError × 1/);
    expect(data.levels[0]?.settledFromHistory).toBe(0);
  });

  it('lists the environment: GPU, VRAM, models, server flags, labels', async () => {
    const env = Object.fromEntries(buildReportData(await files()).environment);
    expect(env).toMatchObject({
      GPU: 'NVIDIA L4',
      'VRAM per device': '22.0 GiB',
      Checkpoint: 'sd_xl_base_1.0.safetensors',
      'Server argv': 'main.py --lowvram',
      'label host': 'box-1',
    });
  });
});

describe('the server inventory in the environment table', () => {
  const inventory: ServerInventory = {
    nodeClasses: 31,
    nodePacks: [
      { pack: 'nodes', kind: 'core', classes: 25, modules: ['nodes'] },
      { pack: 'comfy_extras', kind: 'extras', classes: 4, modules: ['comfy_extras.nodes_flux', 'comfy_extras.nodes_sd3'] },
      { pack: 'ComfyUI-Impact-Pack', kind: 'custom', classes: 1, modules: ['custom_nodes.ComfyUI-Impact-Pack'] },
      { pack: 'bench_nodes', kind: 'custom', classes: 2, modules: ['custom_nodes.bench_nodes'] },
    ],
    nodeRegistrySha256: 'ab'.repeat(32),
    extensions: ['/extensions/ComfyUI-Impact-Pack/impact-pack.js'],
    features: { supports_preview_metadata: true, max_upload_size: 104857600 },
    unread: [],
  };
  const rows = async (inv: ServerInventory | undefined): Promise<Record<string, string>> => {
    const base = await files();
    const environment = { ...base.summary.environment, ...(inv !== undefined ? { serverInventory: inv } : {}) };
    return Object.fromEntries(buildReportData({ ...base, summary: { ...base.summary, environment } }).environment);
  };

  it('names the custom packs, the built-in modules, the registry hash, the extensions and the features', async () => {
    expect(await rows(inventory)).toMatchObject({
      'Custom node packs': 'ComfyUI-Impact-Pack (1 class), bench_nodes (2 classes)',
      'Built-in nodes': 'nodes (25 classes), comfy_extras (4 classes in 2 modules)',
      'Node registry': `31 classes, SHA-256 ${'ab'.repeat(32)}`,
      'Frontend extensions': '/extensions/ComfyUI-Impact-Pack/impact-pack.js',
      'Server features': 'supports_preview_metadata = true, max_upload_size = 104857600',
      GPU: 'NVIDIA L4',
    });
  });

  it('says what an older server did not give', async () => {
    const old = { ...inventory, extensions: [], features: null, unread: [{ endpoint: '/features', reason: 'answered 404' }] };
    expect(await rows(old)).toMatchObject({ 'Frontend extensions': 'none', 'Server features': 'not read: GET /features answered 404' });
  });

  it('reads a summary.json written before the inventory was recorded', async () => {
    const env = await rows(undefined);
    expect(env['Node packs']).toBe('not recorded (summary.json written before comfyload recorded them)');
    expect(env['Custom node packs']).toBeUndefined();
    expect(env.GPU).toBe('NVIDIA L4');
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained page: the chart library inlined, no network reference, data that cannot close its script tag', async () => {
    const html = renderReportHtml(buildReportData(await files()), { uplotJs: 'window.uPlot = function () {};', uplotCss: '.uplot{}' });
    expect(html).toContain('window.uPlot = function () {};');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('<title>comfyload · demo&lt;/script&gt;');
    const json = /<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(json).title).toBe('comfyload · demo</script><script>alert(1)</script>');
  });

  it('jsonForScript escapes <, > and the JS line separators', () => {
    expect(jsonForScript({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u2028"}');
  });
});

describe('vram.csv', () => {
  it('reads back to the samples written, every device of every sample', async () => {
    const sink = new MemorySink();
    const writer = new VramCsvWriter({ sink, headerComments: ['gpu: 2x NVIDIA L4'] });
    const written = [vramSample(10.5, 3, 2), vramSample(20.25, 4, 2)];
    for (const s of written) await writer.writeSample(s);
    await writer.close();
    const table = readResultsCsv(sink.text());
    expect(table.comments[0]).toBe('gpu: 2x NVIDIA L4');
    expect(table.comments[1]).toBe('levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0');
    expect(table.comments[2]).toMatch(/^units: .*counts memory torch has reserved but not handed out as free/);
    expect(table.rows).toHaveLength(4);
    // Level index 1 (L2) is level 2 in the file.
    expect(new Set(readCsvTable(sink.text()).rows.map((r) => r.level))).toEqual(new Set(['2']));
    expect(vramSamplesFromRows(table.rows)).toEqual(written);
  });

  it("keeps a fleet's targets apart: a target column, read back per target, one chart each", async () => {
    const sink = new MemorySink();
    const writer = new VramCsvWriter({ sink });
    const written = [vramSample(10, 3, 1, 0), vramSample(11, 5, 1, 1), vramSample(20, 4, 1, 0), vramSample(21, 6, 1, 1)];
    for (const s of written) await writer.writeSample(s);
    await writer.close();
    const rows = readResultsCsv(sink.text()).rows;
    expect(rows.map((r) => r.target)).toEqual(['0', '1', '0', '1']);
    expect(vramSamplesFromRows(rows)).toEqual(written);
    const data = buildReportData({ ...(await files()), vramCsv: sink.text() });
    expect(data.vram!.map((v) => [v.id, v.used])).toEqual([
      ['vram', [3, 4]],
      ['vram-t1', [5, 6]],
    ]);
  });

  it('labels a CPU device system RAM: torch columns empty, a note saying what the columns hold', async () => {
    const sink = new MemorySink();
    const writer = new VramCsvWriter({ sink, systemRam: true });
    const cpu = vramSample(10, 3);
    cpu.devices = [
      { device: 0, name: 'cpu', memory: 'system-ram', vramTotalBytes: 64 * GIB, vramUsedBytes: 10 * GIB, torchReservedBytes: 0, torchActiveBytes: 0 },
    ];
    await writer.writeSample(cpu);
    await writer.close();
    const table = readResultsCsv(sink.text());
    expect(table.comments.join('\n')).toMatch(/memory system-ram: the device is the CPU/);
    expect(table.rows[0]).toMatchObject({
      memory: 'system-ram',
      deviceName: 'cpu',
      torchReservedBytes: '',
      torchActiveBytes: '',
      vramUsedBytes: String(10 * GIB),
    });
    expect(vramSamplesFromRows(table.rows)).toEqual([cpu]);
    const data = buildReportData({ ...(await files()), vramCsv: sink.text() });
    expect(data.vram![0]!.memory).toBe('system-ram');
  });
});

describe("a mixed workload's section", () => {
  it("shows each workflow's share and figures beside the level, and the swaps with their cost", async () => {
    const level = levelSummaryFixture({ level: 0, submitted: 40 });
    const one = (workflow: number, submitted: number): ReturnType<typeof levelSummaryFixture> =>
      levelSummaryFixture({ level: 0, workflow, submitted, ok: submitted, notOk: 0 });
    const mix: RunSummary['mix'] = {
      order: 'batched:4',
      workflows: [
        {
          index: 0,
          name: 'sd15',
          path: 'a',
          sha256: '',
          models: [],
          weight: 3,
          plannedShare: 0.75,
          share: 0.75,
          totals: { submitted: 30, ok: 30, notOk: 0, outcomes: {}, settledFromHistory: 0 },
        },
        {
          index: 1,
          name: 'sdxl<b>',
          path: 'b',
          sha256: '',
          models: [],
          weight: 1,
          plannedShare: 0.25,
          share: 0.25,
          totals: { submitted: 10, ok: 10, notOk: 0, outcomes: {}, settledFromHistory: 0 },
        },
      ],
      swaps: {
        rule: 'r',
        swapCount: 6,
        measuredSwapCount: 5,
        executedPrompts: 42,
        coldCount: 2,
        kinds: [{ kind: 'sd15→sdxl<b>', from: 'sd15', to: 'sdxl<b>', swaps: 3, meanAfterSwapMs: 450, noSwapPrompts: 6, meanAfterNoSwapMs: 50, swapMs: 400 }],
      },
    };
    const f = await files({ levels: [level], mix, workflowLevels: [[one(0, 30)], [one(1, 10)]] });
    const data = buildReportData(f);
    expect(data.mix?.rows.map((r) => [r.workflow, r.share, r.submitted])).toEqual([
      ['sd15', 0.75, 30],
      ['sdxl<b>', 0.25, 10],
    ]);
    const html = renderReportHtml(data, { uplotJs: '', uplotCss: '' });
    expect(html).toContain('<h2>Mixed workload (batched:4 order)</h2>');
    expect(html).toContain('Model swaps: 5 in the measured levels');
    expect(html).toContain('sd15→sdxl&lt;b&gt;');
    expect(html).toContain('+400.0 ms');
    expect(buildReportData(await files()).mix).toBeNull();
  });
});
