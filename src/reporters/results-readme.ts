/**
 * results/README.md, generated like docs/cli.md: every file a results folder can hold and every
 * column of every CSV, taken from the writers' own column lists (a column added to a writer
 * without a line here makes `renderResultsReadme` throw, and test/reporters/results-readme.test.ts
 * fail). Update: UPDATE_DOCS=1 npx vitest run test/reporters/results-readme.test.ts
 */
import { METRICS } from '../metrics/metric-names.js';
import { LEVEL_METRIC_FIGURES, LEVELS_CSV_UNITS, levelsCsvColumns } from './levels-csv.js';
import { SWAPS_CSV_COLUMNS } from './mix-files.js';
import { QUEUE_CSV_COLUMNS, TRIAL_COLUMNS } from './open-loop-files.js';
import { REQUESTS_CSV_UNITS, requestsCsvColumns } from './requests-csv.js';
import { SUMMARY_SCHEMA_VERSION } from './summary-json.js';
import { VRAM_CSV_COLUMNS, VRAM_CSV_UNITS } from './vram-csv.js';

/** What each column means; metric columns (`<metric>`, `<metric>_<figure>`) are described from METRICS. */
const COLUMN_DOCS: Record<string, string> = {
  runId: 'the run (summary.json `runId`)',
  target: 'index of the server in summary.json `targets` (0 for a single server)',
  level:
    'level number from 1, as on the console: 1 is L1, the first measured level; the warm-up is 0 (phase `warmup`). Folders without the `# levels: numbered from 1` comment line (written before it) hold the index there: 0 is L1',
  concurrency: 'virtual users of the level (0 in open loop, where `ratePerSec` says the load)',
  phase: '`warmup` or `measure`; only `measure` is in the totals and percentiles',
  seq: 'prompt number in the run, in submission order',
  workflow: 'the workflow a prompt of a mixed workload (`--mix`) drew; empty otherwise',
  promptId: "ComfyUI's prompt id",
  clientId: 'the WebSocket clientId of the virtual user that sent it',
  outcome: '`ok`, `cached`, `error:<exception_type>`, `rejected:<type>`, `interrupted`, `timeout`, `lost` or `dropped`',
  outcomeDetail: "the server's error message, or why the harness ended the prompt",
  source: 'where the marks came from: `ws` (socket events) or `history` (a /history look-up)',
  flags: '`;`-joined: suspectCached, fromHistory, duplicateEvents, lateEvents, ackAfterStart',
  cachedNodeCount: 'nodes ComfyUI served from its cache',
  stepCount: 'sampler progress events received',
  imagesOut: 'images the prompt produced (batch size)',
  intendedSendMs: 'open loop: when the rate plan meant to send it; closed loop: = sentMs',
  sentMs: 'POST /prompt written',
  ackMs: 'POST /prompt reply received',
  executionStartMs: '`execution_start` received',
  cachedMs: '`execution_cached` received',
  firstStepMs: 'first sampler progress event received',
  completedMs: 'completion (`executing` node null, or the terminal event) received',
  outputFetchedMs: 'output images fetched (`--fetch-outputs`)',
  serverStartTs: "`execution_start` timestamp, the server's epoch ms",
  serverEndTs: "terminal event timestamp, the server's epoch ms",
  samplerStartsMs: 'each sampler node: executing to its first progress event, `;`-joined',
  stepIntervalsMs: 'every interval between consecutive progress events of a sampler, `;`-joined',
  vramPeakBytes: 'highest VRAM used sampled while the prompt executed, on its own target',
  startedMs: 'first submission of the level',
  endedMs: 'last settlement of the level',
  durationMs: 'endedMs − startedMs',
  submitted: 'prompts submitted (every one ends in exactly one outcome)',
  ok: 'outcome ok (under `--cache-mode allow` cache hits too)',
  notOk: 'every other outcome: submitted = ok + notOk',
  cached: 'outcome cached',
  error: 'outcomes error:*',
  rejected: 'outcomes rejected:* (POST /prompt refused)',
  interrupted: 'outcome interrupted',
  timeout: 'outcome timeout (past --prompt-timeout)',
  lost: 'outcome lost (the server no longer knew it)',
  dropped: 'open loop: arrivals not sent (--max-in-flight reached)',
  outcomes: 'every outcome with its count, `name=count` joined by `;`',
  settledFromHistory: 'prompts settled from a /history look-up: in the outcomes, not in the latencies',
  promptsPerSec: 'ok prompts per second of the level',
  imagesPerMin: 'ok images per minute (batch size counted)',
  samplerStepsPerSec: 'sampler steps × ok prompts per second',
  ratePerSec: 'open loop: the planned arrival rate (a ramping stage: its end rate); empty in closed loop',
  offeredPerSec: "open loop: arrivals (sent and dropped) per second of the level's arrival span",
  vramUsedPeakBytes: "highest VRAM used sampled during the level (the first target's primary device)",
  vramUsedMeanBytes: 'mean VRAM used over the level',
  vramUsedP95Bytes: 'p95 of VRAM used over the level',
  torchActivePeakBytes: "highest torch active memory (ComfyUI's torch_vram_total − torch_vram_free)",
  vramSamples: 'VRAM samples taken during the level',
  atMs: 'ms since the run start (vram.csv: midpoint of the poll)',
  pollMs: 'how long the /system_stats poll took',
  inFlight: 'prompts in flight when the sample was taken',
  device: 'device index in /system_stats',
  deviceName: "the device's name",
  memory: '`vram`, or `system-ram` on a CPU server (ComfyUI --cpu reports the machine RAM as its device)',
  vramTotalBytes: 'device memory total',
  vramUsedBytes: 'vram_total − vram_free',
  torchReservedBytes: 'torch_vram_total (memory torch holds)',
  torchActiveBytes: 'torch_vram_total − torch_vram_free',
  ramTotalBytes: 'system RAM total',
  ramUsedBytes: 'system RAM total − free',
  queueRemaining: "ComfyUI's status.exec_info.queue_remaining: pending + running prompts of every client",
  trial:
    'trial number from 1, the same in the console, capacity.json and the report (in levels.csv and requests.csv the trial is level trial + 1: the probe is level 1)',
  session:
    "the session that ran the trial: 1, then 2 for the first `capacity --resume` of an interrupted search… (its requests.csv, levels.csv and histograms are in `session-<n>/`, the last session's at the top level)",
  failed: 'arrivals that ended in any other outcome than ok (errors, timeouts, drops): failures of the server or the plan',
  cut: 'arrivals the search cancelled once the trial was decided (not failures)',
  settling: 'arrivals of the first (settling) window: counted, never evidence',
  judged: 'measured prompts judged against the SLOs (after the settling window, cut ones excluded)',
  good: 'of the judged, ok and meeting every SLO',
  confident: '`true` when the verdict is certain at the confidence (binomial bound), `false` when a trend or what was seen decided it',
  explanation: 'the verdict in one line, with its rule and figures (as the console prints it)',
  ratePerMin: 'the trial rate per minute',
  verdict: '`pass`, `fail`, or `stopped` (the run ended the trial before it was decided: no evidence either way; `capacity --resume` runs it again)',
  reason: 'why the trial was decided so',
  windows: 'stability windows run',
  windowMs: 'length of one window',
  arrivals: 'arrivals of the trial',
  throughputPerSec: 'ok prompts per second',
  goodputPerSec: 'prompts per second that met every SLO',
  queueWaitSlopeMsPerSec: 'least-squares slope of queue wait against the intended send time',
  gpuMs: 'GPU time the trial used (server execution time summed)',
  slos: 'each SLO as `slo:observed/samples/over/required/verdict`, `;`-joined',
  kind: '`swap` (the model changed between two prompts) or `total`',
  from: 'workflow before the swap',
  to: 'workflow after the swap',
  swaps: 'ok measured prompts that followed a swap',
  meanAfterSwapMs: 'their mean execution time',
  noSwapPrompts: 'ok measured prompts of the same workflow that followed no swap',
  meanAfterNoSwapMs: 'their mean execution time',
  swapMs: 'meanAfterSwapMs − meanAfterNoSwapMs: what a swap costs (empty without a baseline)',
};

const METRIC_NAMES_SET = new Set<string>(METRICS.map((m) => m.name));

function describe(column: string, own: Record<string, string> = {}): string {
  const doc = own[column] ?? COLUMN_DOCS[column];
  if (doc !== undefined) return doc;
  if (METRIC_NAMES_SET.has(column)) return `${METRICS.find((m) => m.name === column)?.description ?? ''} (ms)`;
  const [metric, figure] = column.split('_');
  if (metric !== undefined && METRIC_NAMES_SET.has(metric) && (LEVEL_METRIC_FIGURES as readonly string[]).includes(figure ?? '')) return '';
  throw new Error(`results/README.md: no description for column \`${column}\`: add it to COLUMN_DOCS in src/reporters/results-readme.ts`);
}

/** A column table; `<metric>_<figure>` columns are folded into one line per metric. */
function columnTable(columns: readonly string[], own: Record<string, string> = {}): string {
  const rows: string[] = [];
  const folded = new Set<string>();
  for (const column of columns) {
    const doc = describe(column, own);
    if (doc !== '') {
      rows.push(`| \`${column}\` | ${doc} |`);
      continue;
    }
    const metric = column.split('_')[0] ?? '';
    if (folded.has(metric)) continue;
    folded.add(metric);
    rows.push(`| \`${metric}_{${LEVEL_METRIC_FIGURES.join(',')}}\` | ${METRICS.find((m) => m.name === metric)?.description ?? ''}: count, then ms |`);
  }
  return ['| column | meaning |', '|---|---|', ...rows].join('\n');
}

interface FileDoc {
  file: string;
  when: string;
  what: string;
  columns?: readonly string[];
  units?: string;
  /** Columns that mean something else in this file than COLUMN_DOCS says. */
  columnDocs?: Record<string, string>;
}

function files(): FileDoc[] {
  return [
    {
      file: 'summary.json',
      when: 'every run (a run cut short too, `"partial": true`)',
      what: `the run in one JSON document, \`schemaVersion\` ${SUMMARY_SCHEMA_VERSION}: settings, targets and their fingerprints, \`levels\` (an array of the measured levels, in order, each \`level\` numbered from 1), \`warmup\` (level 0), \`totals\`, \`environment\` (numbers as numbers), \`vram\`, \`warnings\`, \`files\`; open loop \`openLoop\`, fleets \`targetLevels\` (an array per target, in target order), mixes \`mix\`/\`workflowLevels\` (an array per workflow, in \`mix.workflows\` order), capacity \`capacity\`, \`thresholds\` with --threshold. \`jq '.levels[0]'\` is L1, \`jq '.targetLevels[1][0]'\` target 1's L1. Versions 1 and 2 held the level index (\`levels[0].level\` 0) and keyed \`targetLevels\`/\`workflowLevels\` by index and name; every command reads all three.`,
    },
    {
      file: 'levels.csv',
      when: 'every run',
      what: 'one row per measured level, appended as each level ends',
      columns: levelsCsvColumns(),
      units: LEVELS_CSV_UNITS,
    },
    { file: 'requests.csv', when: 'every run', what: 'one row per prompt, appended as each settles', columns: requestsCsvColumns(), units: REQUESTS_CSV_UNITS },
    {
      file: 'histograms.hlog',
      when: 'every run',
      what: 'HdrHistogram interval log (µs), an interval every few seconds per tag `<metric>@t<target>-L<level>-c<concurrency>-<phase>` (a mix adds `-w<workflow>` after the target), the level numbered from 1 as everywhere (`completionMs@t0-L1-c1-measure` is L1, the warm-up `L0`; see summary.json `histograms`); adding intervals rebuilds any time range. Logs without the `# levels: numbered from 1` header line hold the level index (`-L0-` = L1)',
    },
    {
      file: 'L<n>-c<c>-<metric>.hgrm',
      when: 'every run, per measured level and metric with samples (`warmup-c<c>-<metric>.hgrm` for the warm-up)',
      what: "percentile distribution (ms) for HdrHistogram's plotter; L1 is the first measured level",
    },
    {
      file: 'vram.csv',
      when: 'every run (the VRAM sampler)',
      what: 'one row per /system_stats sample per target and device',
      columns: VRAM_CSV_COLUMNS,
      units: VRAM_CSV_UNITS,
    },
    {
      file: 'report.html',
      when: 'every run; `comfyload report <dir>` renders it again',
      what: 'the report: headline, charts and tables, one file that works offline',
    },
    { file: 'queue.csv', when: 'open loop and capacity', what: 'server queue depth over time, per target', columns: QUEUE_CSV_COLUMNS },
    { file: 'targets.csv', when: 'a fleet (several --url)', what: "each target's levels: `target`, then levels.csv's columns", columns: ['target'] },
    {
      file: 'trials.csv',
      when: '`comfyload capacity`',
      what: 'one row per trial of the search',
      columns: TRIAL_COLUMNS,
      columnDocs: {
        level:
          "the trial's level as levels.csv, requests.csv and the .hlog tags of its session number it (the probe is level 1, trial 1 level 2); capacity.json and summary.json hold the same number",
      },
    },
    {
      file: 'capacity.json',
      when: '`comfyload capacity`',
      what: 'the search result: max rate, goodput, knee, every trial and the rules (summary.json `capacity` holds the same)',
    },
    {
      file: 'capacity-checkpoint.json',
      when: '`comfyload capacity`, after every decided trial',
      what: 'what `capacity --resume <dir>` continues from: the saved options (no header values or URL credentials), the target fingerprint, the probe (service times), every decided trial, the search state and the GPU time; rewritten atomically',
    },
    {
      file: 'session-<n>/',
      when: 'a resumed capacity search',
      what: "the files of the interrupted session n as it left them (requests.csv, levels.csv, histograms…); the folder's top level holds the last session's, trials.csv and capacity.json every trial",
    },
    { file: 'workflows.csv', when: 'a mixed workload (--mix)', what: "each workflow's levels: `workflow`, then levels.csv's columns", columns: ['workflow'] },
    { file: 'swaps.csv', when: 'a mixed workload (--mix)', what: 'model swaps between workflows and what they cost', columns: SWAPS_CSV_COLUMNS },
  ];
}

export function renderResultsReadme(): string {
  const out = [
    "<!-- Generated by src/reporters/results-readme.ts from the writers' column lists; do not edit. Update: UPDATE_DOCS=1 npx vitest run test/reporters/results-readme.test.ts -->",
    '',
    '# results/',
    '',
    'Where `comfyload run` (and `capacity`, `merge`, `import-k6`) write results, one folder per run:',
    '',
    '```',
    'results/<gpu>/<model-config>/<UTC time>-<name>/',
    '```',
    '',
    'Every CSV starts with `#` comment lines (the environment fingerprint, then the units), then its header row. Times are ms with 3 decimals; marks are ms since the run start. Levels are numbered from 1 everywhere: L1, L2… on the console, in the report and in file names, `level` 1, 2… in the CSVs and summary.json, `-L1-` in histogram tags; the warm-up is level 0. A CSV with a `level` column says so in the comment line `# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0`; folders written before (summary.json `schemaVersion` 1 or 2, no such line) hold the index there (0 = L1), and `report`, `compare`, `merge` and `plan` read both to the same levels.',
    '',
    '| file | written | what |',
    '|---|---|---|',
    ...files().map((f) => `| \`${f.file}\` | ${f.when} | ${f.what} |`),
  ];
  for (const f of files().filter((x) => x.columns !== undefined && x.columns.length > 1)) {
    out.push('', `## ${f.file}`, '', f.what + '.', '');
    if (f.units !== undefined) out.push(`Units: ${f.units.replace(/^units: /, '')}.`, '');
    out.push(columnTable(f.columns ?? [], f.columnDocs));
  }
  out.push('', 'Everything here except this README is ignored by git.', '');
  return out.join('\n');
}
