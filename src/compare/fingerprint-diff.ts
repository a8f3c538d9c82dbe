/**
 * What changed between baseline and candidate, first: every environment key of summary.json
 * whose value differs, sorted into what the comparison is about (ComfyUI, PyTorch, Python,
 * driver/CUDA where the server says, GPU, VRAM, server flags, allocator, harness version, custom
 * nodes…) and what makes it invalid (a different workflow or workload: workflow SHA-256, models,
 * resolution, steps, batch, sampler, scheduler, and the run's mode and seed policy). Keys that are
 * figures of a run, not of its environment (event-loop delay, reconnects, upload times), are left
 * out. Runs of one side that disagree are flagged as mixed.
 */
import type { SummaryView } from './summary-view.js';

export type DiffKind = 'workload' | 'environment';

export interface FingerprintRow {
  key: string;
  kind: DiffKind;
  baseline: string;
  candidate: string;
  changed: boolean;
  /** Which side's runs disagree among themselves. */
  mixed: 'baseline' | 'candidate' | 'both' | null;
}

export interface FingerprintDiff {
  rows: FingerprintRow[];
  /** Workload keys that differ (or are mixed): the comparison is invalid unless allowed. */
  workloadChanges: string[];
  /** Environment keys that differ: what the comparison measures. */
  environmentChanges: string[];
  mixedKeys: string[];
}

/** Keys whose difference makes two runs measure different work. */
const WORKLOAD_KEYS = new Set([
  'workflowSha256',
  'models',
  'modelsCheckpoint',
  'modelsUnet',
  'modelsLora',
  'modelsVae',
  'modelsClip',
  'resolution',
  'steps',
  'batchSize',
  'sampler',
  'scheduler',
  'matrix',
  'settings.mode',
  'settings.seedPolicy',
]);

/** Keys that are a run's own figures or derived names, not its environment. */
const IGNORED = [
  /^harnessEventLoopDelay/,
  /^reconnects$/,
  /^malformedMessages$/,
  /^inputUploads$/,
  /^cacheAudit/,
  /^gpuSlug$/,
  /^modelConfigSlug$/,
  /^workflowPath$/,
];

/** The keys compared first, in this order (the rest follow alphabetically). */
const LEADING = [
  'comfyuiVersion',
  'pytorchVersion',
  'pythonVersion',
  'gpu',
  'gpuCount',
  'vramTotalBytes',
  'allocator',
  'serverArgv',
  'harnessVersion',
  'workflowSha256',
  'models',
  'resolution',
  'steps',
  'batchSize',
  'sampler',
  'scheduler',
];

/** The environment of a run with its workload settings, as compared. */
function compared(view: SummaryView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(view.environment)) if (!IGNORED.some((re) => re.test(k))) out[k] = k === 'serverArgv' ? comparableArgv(v) : v;
  out['settings.mode'] = view.mode;
  out['settings.seedPolicy'] = view.seedPolicy;
  return out;
}

/** Flags whose values name where a server listens or keeps files: they change with every start, not its speed. */
const PLACE_FLAGS = new Set(['--port', '--listen', '--input-directory', '--output-directory', '--temp-directory', '--user-directory', '--base-directory']);

/** The server's argv without its place flags' values (`--port 44125` → `--port …`). */
export function comparableArgv(argv: string): string {
  const words = argv.split(' ');
  return words.map((w, i) => (i > 0 && PLACE_FLAGS.has(words[i - 1]!) && !w.startsWith('--') ? '…' : w)).join(' ');
}

/** Diffs the runs of the two sides. */
export function fingerprintDiff(baseline: readonly SummaryView[], candidate: readonly SummaryView[]): FingerprintDiff {
  const base = baseline.map(compared);
  const cand = candidate.map(compared);
  const keys = new Set([...base, ...cand].flatMap((e) => Object.keys(e)));
  const order = [...LEADING.filter((k) => keys.has(k)), ...[...keys].filter((k) => !LEADING.includes(k)).sort()];
  const rows: FingerprintRow[] = [];
  for (const key of order) {
    const b = sideValue(base, key);
    const c = sideValue(cand, key);
    const mixed = b.mixed && c.mixed ? 'both' : b.mixed ? 'baseline' : c.mixed ? 'candidate' : null;
    const changed = b.text !== c.text;
    if (!changed && mixed === null) continue;
    rows.push({ key, kind: WORKLOAD_KEYS.has(key) ? 'workload' : 'environment', baseline: b.text, candidate: c.text, changed, mixed });
  }
  return {
    rows,
    workloadChanges: rows.filter((r) => r.kind === 'workload').map((r) => r.key),
    environmentChanges: rows.filter((r) => r.kind === 'environment' && r.changed).map((r) => r.key),
    mixedKeys: rows.filter((r) => r.mixed !== null).map((r) => r.key),
  };
}

/** The side's value: the common one, or `a (2 runs) | b (1 run)` when its runs disagree. */
function sideValue(envs: readonly Record<string, string>[], key: string): { text: string; mixed: boolean } {
  const counts = new Map<string, number>();
  for (const e of envs) {
    const v = e[key] ?? '–';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size <= 1) return { text: [...counts.keys()][0] ?? '–', mixed: false };
  return {
    text: [...counts.entries()].map(([v, n]) => `${v} (${n} run${n === 1 ? '' : 's'})`).join(' | '),
    mixed: true,
  };
}
