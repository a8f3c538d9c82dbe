/**
 * The report's environment table (the fingerprint, the target, how the run was driven) and its
 * warnings (prompts not ok, cache hits, VRAM drift, the run's own warnings), from summary.json.
 */
import type { RunEnvironment, RunSummary, ServerInventory } from '../../metrics/result-types.js';
import { perMinLabel } from './report-open-loop.js';

const GIB = 2 ** 30;

/** The flat `key: value` strings of `environment` (every key of an older summary.json; the typed ones left out). */
export function environmentText(env: RunEnvironment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
}

export function environmentRows(s: RunSummary): [string, string][] {
  const e = environmentText(s.environment);
  const gib = (v: string | undefined): string =>
    (v ?? '')
      .split(',')
      .filter((x) => x !== '')
      .map((x) => `${(Number(x) / GIB).toFixed(1)} GiB`)
      .join(', ');
  const rows: [string, string | undefined][] = [
    ['GPU', e.gpu],
    ['GPU count', e.gpuCount],
    [e.device !== undefined ? 'Device memory per device' : 'VRAM per device', gib(e.vramTotalBytes)],
    ['System RAM', gib(e.ramTotalBytes)],
    ['ComfyUI', e.comfyuiVersion],
    ['PyTorch', e.pytorchVersion],
    ['Python', e.pythonVersion?.split(' ')[0]],
    ['Server argv', e.serverArgv],
    ...inventoryRows(s.environment.serverInventory),
    ...targetRows(s),
    [
      'Emulator',
      e.emulatorGpu !== undefined ? `GPU profile ${e.emulatorGpu}, time scale ${e.emulatorTimeScale ?? '?'}, faults: ${e.emulatorFaults ?? 'none'}` : undefined,
    ],
    ['Workflow', e.workflowPath],
    ['Workflow SHA-256', e.workflowSha256],
    ['Checkpoint', e.modelsCheckpoint],
    ['UNet', e.modelsUnet],
    ['LoRA', e.modelsLora],
    ['VAE', e.modelsVae],
    ['Models (all)', e.models],
    ['Resolution', e.resolution],
    ['Steps', e.steps],
    ['Batch size', e.batchSize],
    ['Sampler / scheduler', `${e.sampler ?? ''} / ${e.scheduler ?? ''}`],
    ['Harness', `${s.harness.name} ${s.harness.version}`],
    ['Mode', modeText(s)],
    [
      'VRAM sampling',
      s.vram
        ? (s.vram.targets ?? [s.vram])
            .map(
              (v, i) =>
                `${s.targets.length > 1 ? `target ${i}: ` : ''}every ${s.vram!.intervalMs} ms, ${v.samples} samples, ${v.skippedTicks} ticks skipped, ${v.failedPolls} failed`,
            )
            .join('; ')
        : 'not recorded',
    ],
    ['Results folder', `${e.gpuSlug ?? ''}/${e.modelConfigSlug ?? ''}`],
    ['Run id', s.runId],
    ...Object.entries(s.settings.labels).map(([k, v]): [string, string] => [`label ${k}`, v]),
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
}

/** One row per target; a fleet's say what each target is (its GPU, memory, software and flags). */
function targetRows(s: RunSummary): [string, string][] {
  if (s.targets.length === 1) {
    const t = s.targets[0]!;
    const cpu = t.fingerprint?.cpu === true ? ' (runs on the CPU: its memory figures are system RAM)' : '';
    return [['Target', `${t.kind} ${t.url}${cpu}`]];
  }
  return s.targets.map((t): [string, string] => {
    const f = t.fingerprint;
    if (f === undefined) return [`Target ${t.index}`, `${t.kind} ${t.url}`];
    const memory = f.devices.map((d) => `${(d.vramTotalBytes / GIB).toFixed(1)} GiB${d.type === 'cpu' ? ' system RAM' : ''}`).join(', ');
    const registry = t.inventory !== undefined ? `, node registry ${t.inventory.nodeRegistrySha256.slice(0, 12)}` : '';
    return [
      `Target ${t.index}`,
      `${t.kind} ${t.url}: ${f.gpu} ×${f.gpuCount}${f.cpu ? ' (CPU)' : ''} (${memory}), RAM ${(f.ramTotalBytes / GIB).toFixed(1)} GiB, ComfyUI ${f.comfyuiVersion}, PyTorch ${f.pytorchVersion}${registry}; argv ${f.serverArgv.join(' ')}`,
    ];
  });
}

/** Custom packs, core modules, the registry hash, frontend extensions and feature flags; one row saying so for files written before they were recorded. */
function inventoryRows(inv: ServerInventory | undefined): [string, string][] {
  if (inv === undefined) return [['Node packs', 'not recorded (summary.json written before comfyload recorded them)']];
  const packs = (custom: boolean): string =>
    inv.nodePacks
      .filter((p) => (p.kind === 'custom') === custom)
      .map((p) => `${p.pack} (${p.classes} class${p.classes === 1 ? '' : 'es'}${p.modules.length > 1 ? ` in ${p.modules.length} modules` : ''})`)
      .join(', ') || 'none';
  const unread = (endpoint: string): string => `not read: GET ${endpoint} ${inv.unread.find((u) => u.endpoint === endpoint)?.reason ?? ''}`.trim();
  const features =
    inv.features === null
      ? unread('/features')
      : Object.entries(inv.features)
          .map(([k, v]) => `${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', ') || 'none';
  return [
    ['Custom node packs', packs(true)],
    ['Built-in nodes', packs(false)],
    ['Node registry', `${inv.nodeClasses} classes, SHA-256 ${inv.nodeRegistrySha256}`],
    ['Frontend extensions', inv.extensions === null ? unread('/extensions') : inv.extensions.join(', ') || 'none'],
    ['Server features', features],
  ];
}

function modeText(s: RunSummary): string {
  const st = s.settings;
  const per = st.promptsPerLevel !== undefined ? `${st.promptsPerLevel} prompts` : `${(st.durationMs ?? 0) / 1000} s`;
  const tail = `${st.warmupPrompts} warm-up, seed policy ${st.seedPolicy} (seed ${st.seed})`;
  const o = st.openLoop;
  const arrivals =
    o === undefined
      ? ''
      : `${o.arrival} arrivals${o.burstiness !== undefined ? ` (burstiness ${o.burstiness})` : ''}, max ${o.maxInFlight} in flight, ${o.dispatch} dispatch`;
  if (st.mode === 'capacity') return `capacity search, ${arrivals}, ${tail}`;
  if (st.mode === 'open-loop') {
    const rates =
      o?.stages !== undefined
        ? `stages from ${perMinLabel((o.startRatePerSec ?? 0) * 60)}: ${o.stages.map((x) => `${perMinLabel(x.ratePerSec * 60)} over ${x.durationMs / 1000} s`).join(', ')}`
        : `rates ${(o?.ratesPerSec ?? []).map((r) => perMinLabel(r * 60)).join(', ')}`;
    return `open loop, ${rates}, ${per} per level, ${arrivals}, ${tail}`;
  }
  return `${st.mode}, levels ${st.levels.map((l) => l.concurrency).join(',')}, ${per} per level, ${tail}`;
}

export function warnings(s: RunSummary): string[] {
  const out: string[] = [];
  if (s.partial) out.push(`Partial run: ${s.partialReason ?? 'stopped early'}; the figures cover what was measured until then.`);
  const errors = Object.entries(s.totals.outcomes).filter(([o]) => o !== 'ok' && o !== 'cached');
  if (errors.length > 0)
    out.push(
      `${errors.reduce((sum, [, n]) => sum + n, 0)} of ${s.totals.submitted} measured prompts did not finish ok: ${errors.map(([o, n]) => `${o} × ${n}`).join(', ')}.`,
    );
  const cached = s.totals.outcomes.cached ?? 0;
  if (cached > 0)
    out.push(
      s.settings.cacheMode === 'allow'
        ? `${cached} of ${s.totals.submitted} measured prompts were served entirely from ComfyUI's cache: measured as cache hits (--cache-mode allow).`
        : `${cached} prompts were served entirely from ComfyUI's cache and measure nothing.`,
    );
  // Files written before it was counted have no settledFromHistory.
  const fromHistory = (s.totals.settledFromHistory as number | undefined) ?? 0;
  if (fromHistory > 0)
    out.push(
      `${fromHistory} of ${s.totals.submitted} measured prompts were settled from /history (a socket drop or a quiet look-up): counted in the outcomes, left out of the latency percentiles.`,
    );
  if (cached > 0) out.push(`${cached} prompts were served entirely from ComfyUI's cache and measure nothing.`);
  const drifts = s.vram?.targets ?? (s.vram !== undefined ? [{ target: 0, drift: s.vram.drift }] : []);
  for (const { target, drift } of drifts) {
    if (drift?.flagged !== true) continue;
    out.push(
      `VRAM drift${s.targets.length > 1 ? ` on target ${target}` : ''}: +${drift.slopeMbPer100Prompts.toFixed(1)} MB per 100 prompts over ${drift.prompts} prompts (R² ${drift.r2.toFixed(2)}): memory keeps growing.`,
    );
  }
  for (const w of s.warnings ?? []) if (!w.startsWith('VRAM keeps growing')) out.push(w);
  return out;
}
